package dev.streamtrain.jobs.cli;

import dev.streamtrain.store.S3Endpoint;
import dev.streamtrain.store.S3Settings;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * The S3 endpoint and credentials of a command-line tool (a picocli mixin): flags, else the AWS_*
 * environment; resolved by {@link S3Settings}.
 */
final class S3Options {
    static final String MISSING =
            "give the S3 endpoint (with the protocol) and credentials: --s3-endpoint/--access-key/"
                    + "--secret-key or AWS_ENDPOINT_URL/AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY";

    @Option(
            names = "--s3-endpoint",
            defaultValue = "${env:AWS_ENDPOINT_URL}",
            description = "with the protocol (default: $AWS_ENDPOINT_URL)")
    String endpoint;

    @Option(
            names = "--access-key",
            defaultValue = "${env:AWS_ACCESS_KEY_ID}",
            description = "(default: $AWS_ACCESS_KEY_ID)")
    String accessKey;

    @Option(
            names = "--secret-key",
            defaultValue = "${env:AWS_SECRET_ACCESS_KEY}",
            description = "(default: $AWS_SECRET_ACCESS_KEY)")
    String secretKey;

    @Option(
            names = "--region",
            defaultValue = "${env:AWS_REGION}",
            description = "(default: $AWS_REGION, else us-east-1)")
    String region;

    /** The endpoint, or null when a part is missing or the endpoint has no protocol. */
    S3Endpoint resolve() {
        return resolve(Map.of());
    }

    /** As {@link #resolve()}, Flink's {@code s3.*} keys in {@code fallback} filling what is not given. */
    S3Endpoint resolve(Map<String, String> fallback) {
        try {
            return strict(fallback).orElse(null);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /**
     * As {@link #resolve(Map)}, but an endpoint without its protocol is reported.
     *
     * @throws IllegalArgumentException saying that the endpoint needs its protocol
     */
    Optional<S3Endpoint> strict(Map<String, String> fallback) {
        // the environment last: its AWS_CA_BUNDLE is how the AWS CLI users trust a private CA
        return S3Settings.resolve(
                new S3Settings.Source(endpoint, accessKey, secretKey, region),
                S3Settings.Source.flink(fallback),
                S3Settings.Source.environment());
    }
}
