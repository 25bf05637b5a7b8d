package dev.streamtrain.store;

import javax.net.ssl.TrustManager;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.TlsTrustManagersProvider;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

/** AWS SDK v2 clients for S3-compatible servers (MinIO, s3mock, s3proxy). */
public final class S3Clients {
    private S3Clients() {}

    public static S3Client create(S3Endpoint s3) {
        return create(s3, ClientOverrideConfiguration.builder().build());
    }

    /** With timeouts/retries of the caller's choosing (the preflight wants to fail fast). */
    public static S3Client create(S3Endpoint s3, ClientOverrideConfiguration overrides) {
        S3ClientBuilder builder = S3Client.builder()
                .overrideConfiguration(overrides)
                .endpointOverride(s3.endpoint())
                .region(Region.of(s3.region()))
                .credentialsProvider(
                        StaticCredentialsProvider.create(AwsBasicCredentials.create(s3.accessKey(), s3.secretKey())))
                // MinIO-style servers: bucket in the path, not in the host name
                .forcePathStyle(true)
                // newer SDKs add CRC checksums to every request; s3proxy rejects them
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
        if (s3.trust() != null) {
            // the SDK's default client (the same Apache 5 one) with the private CA; without, as it always was
            builder.httpClientBuilder(Apache5HttpClient.builder().tlsTrustManagersProvider(trustManagers(s3)));
        }
        return builder.build();
    }

    /**
     * The trust of {@code s3.trust-store} for any of the SDK's http client builders (the async
     * Netty one too); null, which the builders take as "the JVM's default", when none is given.
     */
    public static TlsTrustManagersProvider trustManagers(S3Endpoint s3) {
        if (s3.trust() == null) {
            return null;
        }
        // loaded once, here: a bad file or password fails when the client is made, not on its first request
        TrustManager[] managers = s3.trust().trustManagers();
        return () -> managers;
    }
}
