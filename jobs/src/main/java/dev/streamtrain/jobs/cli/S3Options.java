package dev.streamtrain.jobs.cli;

import dev.streamtrain.localstack.S3Endpoint;
import java.net.URI;
import java.util.Map;
import picocli.CommandLine.Option;

/** The S3 endpoint and credentials of a command-line tool (a picocli mixin): flags, else the AWS_* environment (conf/.env.example). */
final class S3Options {
    static final String MISSING = "give the S3 endpoint (with the protocol) and credentials: --s3-endpoint/--access-key/"
            + "--secret-key or AWS_ENDPOINT_URL/AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY";

    @Option(names = "--s3-endpoint", defaultValue = "${env:AWS_ENDPOINT_URL}", description = "with the protocol (default: $AWS_ENDPOINT_URL)")
    String endpoint;
    @Option(names = "--access-key", defaultValue = "${env:AWS_ACCESS_KEY_ID}", description = "(default: $AWS_ACCESS_KEY_ID)")
    String accessKey;
    @Option(names = "--secret-key", defaultValue = "${env:AWS_SECRET_ACCESS_KEY}", description = "(default: $AWS_SECRET_ACCESS_KEY)")
    String secretKey;
    @Option(names = "--region", defaultValue = "${env:AWS_REGION}", description = "(default: $AWS_REGION, else us-east-1)")
    String region;

    /** The endpoint, or null when a part is missing or the endpoint has no protocol. */
    S3Endpoint resolve() {
        return resolve(Map.of());
    }

    /** As {@link #resolve()}, Flink's {@code s3.*} keys in {@code fallback} filling what is not given. */
    S3Endpoint resolve(Map<String, String> fallback) {
        String e = endpoint != null ? endpoint : fallback.get("s3.endpoint");
        String a = accessKey != null ? accessKey : fallback.get("s3.access-key");
        String s = secretKey != null ? secretKey : fallback.get("s3.secret-key");
        if (e == null || a == null || s == null || !e.contains("://")) {
            return null;
        }
        return new S3Endpoint(URI.create(e), a, s, region == null ? "us-east-1" : region);
    }
}
