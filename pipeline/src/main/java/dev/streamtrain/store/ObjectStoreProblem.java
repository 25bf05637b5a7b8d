package dev.streamtrain.store;

import java.net.URI;

/**
 * The object store cannot be used, and what to fix. Thrown by {@link ObjectStorePreflight} at job
 * start, so that a misconfiguration fails in seconds with one clear message instead of as a
 * checkpoint failure minutes later.
 *
 * <p>Messages name the endpoint, bucket, region and access key id — never the secret key.
 */
public final class ObjectStoreProblem extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** What is wrong; each has its own message with its own remedy. */
    public enum Kind {
        /** Nothing answered at the endpoint: connection refused, unknown host, timeout, no protocol. */
        ENDPOINT_UNREACHABLE,
        /**
         * An https endpoint whose certificate no trusted CA signed (a private CA not given in
         * s3.trust-store), or an s3.trust-store that cannot be read.
         */
        CERTIFICATE_UNTRUSTED,
        /** The server answered but refused the credentials or their permissions (403). */
        CREDENTIALS_REFUSED,
        /** The bucket does not exist (404 NoSuchBucket). */
        BUCKET_MISSING,
        /** The bucket lives in another region than the one configured (301, AuthorizationHeaderMalformed). */
        REGION_MISMATCH,
        /** Any other answer (a 5xx, a server that is not S3, ...): reported as it came. */
        UNEXPECTED
    }

    private final Kind kind;
    private final URI endpoint;
    private final String bucket;

    ObjectStoreProblem(Kind kind, URI endpoint, String bucket, String message, String secretToHide, Throwable cause) {
        this(kind, endpoint, bucket, message, new String[] {secretToHide}, cause);
    }

    ObjectStoreProblem(
            Kind kind, URI endpoint, String bucket, String message, String[] secretsToHide, Throwable cause) {
        super(withoutSecrets(message, secretsToHide), cause);
        this.kind = kind;
        this.endpoint = endpoint;
        this.bucket = bucket;
    }

    public Kind kind() {
        return kind;
    }

    public URI endpoint() {
        return endpoint;
    }

    public String bucket() {
        return bucket;
    }

    /** Defence in depth: messages are built without the secret, but a server could echo it. */
    private static String withoutSecrets(String message, String[] secrets) {
        String out = message;
        for (String secret : secrets) {
            if (secret != null && !secret.isEmpty()) {
                out = out.replace(secret, "********");
            }
        }
        return out;
    }
}
