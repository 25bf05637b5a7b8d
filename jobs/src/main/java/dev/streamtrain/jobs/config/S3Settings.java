package dev.streamtrain.jobs.config;

import dev.streamtrain.localstack.S3Endpoint;
import java.net.URI;
import java.util.Map;
import java.util.Optional;

/**
 * The S3 endpoint and credentials for the AWS SDK (preflight, versioned mode): Flink's own
 * {@code s3.*} keys given with the job win, else the environment variables of conf/.env.example
 * (AWS_ENDPOINT_URL — with the protocol —, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION).
 */
public final class S3Settings {
    private S3Settings() {}

    public static Optional<S3Endpoint> resolve(JobConfig config) {
        return resolve(config.flinkConfiguration().toMap(), System.getenv());
    }

    static Optional<S3Endpoint> resolve(Map<String, String> flink, Map<String, String> env) {
        String endpoint = first(flink.get("s3.endpoint"), env.get("AWS_ENDPOINT_URL"));
        String access = first(flink.get("s3.access-key"), env.get("AWS_ACCESS_KEY_ID"));
        String secret = first(flink.get("s3.secret-key"), env.get("AWS_SECRET_ACCESS_KEY"));
        String region = first(flink.get("s3.region"), env.get("AWS_REGION"), "us-east-1");
        if (endpoint == null || access == null || secret == null) {
            return Optional.empty();
        }
        if (!endpoint.contains("://")) {
            throw new InvalidConfigurationException(java.util.List.of("the S3 endpoint '" + endpoint
                    + "' needs its protocol, e.g. http://" + endpoint + " (s3.endpoint or AWS_ENDPOINT_URL)"));
        }
        return Optional.of(new S3Endpoint(URI.create(endpoint), access, secret, region));
    }

    private static String first(String... values) {
        for (String v : values) {
            if (v != null && !v.isBlank()) {
                return v;
            }
        }
        return null;
    }
}
