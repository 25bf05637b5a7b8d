package dev.streamtrain.store;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/** AWS SDK v2 clients for S3-compatible servers (MinIO, s3mock, s3proxy). */
public final class S3Clients {
    private S3Clients() {}

    public static S3Client create(S3Endpoint s3) {
        return create(s3, ClientOverrideConfiguration.builder().build());
    }

    /** With timeouts/retries of the caller's choosing (the preflight wants to fail fast). */
    public static S3Client create(S3Endpoint s3, ClientOverrideConfiguration overrides) {
        return S3Client.builder()
                .overrideConfiguration(overrides)
                .endpointOverride(s3.endpoint())
                .region(Region.of(s3.region()))
                .credentialsProvider(
                        StaticCredentialsProvider.create(AwsBasicCredentials.create(s3.accessKey(), s3.secretKey())))
                // MinIO-style servers: bucket in the path, not in the host name
                .forcePathStyle(true)
                // newer SDKs add CRC checksums to every request; s3proxy rejects them
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .build();
    }
}
