package dev.streamtrain.store;

import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * The one place where the S3 endpoint and credentials for the AWS SDK are put together. Each
 * caller lists its sources in order of precedence — command-line flags, Flink's {@code s3.*} keys
 * (a job's configuration, a cluster's config.yaml), the {@code AWS_*} environment — and every part
 * is taken from the first source that gives it (blank counts as not given).
 */
public final class S3Settings {
    /** The region when no source names one. */
    public static final String DEFAULT_REGION = "us-east-1";

    private S3Settings() {}

    /** The trust store of a private CA: a PKCS12/JKS store or a PEM file ({@link S3Trust}). */
    public static final String TRUST_STORE = "s3.trust-store";
    /** The trust store's password (a secret: the key contains "password", so it is masked). */
    public static final String TRUST_STORE_PASSWORD = "s3.trust-store-password";

    /** What one source gives; any part may be null. */
    public record Source(
            String endpoint,
            String accessKey,
            String secretKey,
            String region,
            String trustStore,
            String trustStorePassword) {

        /** Without trust settings: the JVM's own CAs. */
        public Source(String endpoint, String accessKey, String secretKey, String region) {
            this(endpoint, accessKey, secretKey, region, null, null);
        }

        /**
         * Flink's keys: {@code s3.endpoint}, {@code s3.access-key}, {@code s3.secret-key}, {@code s3.region},
         * and ours beside them, {@code s3.trust-store}, {@code s3.trust-store-password}.
         */
        public static Source flink(Map<String, String> conf) {
            return new Source(
                    conf.get("s3.endpoint"),
                    conf.get("s3.access-key"),
                    conf.get("s3.secret-key"),
                    conf.get("s3.region"),
                    conf.get(TRUST_STORE),
                    conf.get(TRUST_STORE_PASSWORD));
        }

        /**
         * {@code AWS_ENDPOINT_URL} (with the protocol), {@code AWS_ACCESS_KEY_ID}, {@code AWS_SECRET_ACCESS_KEY},
         * {@code AWS_REGION}, and {@code AWS_CA_BUNDLE} (a PEM file of CAs, as the AWS CLI reads it).
         */
        public static Source environment(Map<String, String> env) {
            return new Source(
                    env.get("AWS_ENDPOINT_URL"),
                    env.get("AWS_ACCESS_KEY_ID"),
                    env.get("AWS_SECRET_ACCESS_KEY"),
                    env.get("AWS_REGION"),
                    env.get("AWS_CA_BUNDLE"),
                    null);
        }

        /** This process's {@code AWS_*} environment. */
        public static Source environment() {
            return environment(System.getenv());
        }
    }

    /**
     * The endpoint, or empty when the endpoint, the access key or the secret key is given by none
     * of the sources.
     *
     * @throws IllegalArgumentException when the endpoint has no protocol (the SDK needs one)
     */
    public static Optional<S3Endpoint> resolve(Source... sources) {
        String endpoint = null;
        String accessKey = null;
        String secretKey = null;
        String region = null;
        Source trustSource = null;
        for (Source s : sources) {
            // store and password come as a pair, from the first source that names a store
            trustSource = trustSource != null || given(s.trustStore()) == null ? trustSource : s;
            endpoint = endpoint != null ? endpoint : given(s.endpoint());
            accessKey = accessKey != null ? accessKey : given(s.accessKey());
            secretKey = secretKey != null ? secretKey : given(s.secretKey());
            region = region != null ? region : given(s.region());
        }
        if (endpoint == null || accessKey == null || secretKey == null) {
            return Optional.empty();
        }
        if (!endpoint.contains("://")) {
            throw new IllegalArgumentException(
                    "the S3 endpoint '" + endpoint + "' needs its protocol, e.g. http://" + endpoint);
        }
        S3Trust trust = trustSource == null
                ? null
                : new S3Trust(Path.of(trustSource.trustStore().trim()), given(trustSource.trustStorePassword()));
        return Optional.of(new S3Endpoint(
                URI.create(endpoint), accessKey, secretKey, region != null ? region : DEFAULT_REGION, trust));
    }

    private static String given(String value) {
        return value == null || value.isBlank() ? null : value;
    }
}
