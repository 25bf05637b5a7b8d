package dev.streamtrain.store;

import dev.streamtrain.store.ObjectStoreProblem.Kind;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.HeadBucketResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Checks at job start that the object store works for this job — reachable, credentials
 * accepted, bucket present, region right, writable — with the AWS SDK, and turns each failure
 * into an {@link ObjectStoreProblem} whose message says what to fix.
 *
 * <p>Requests: ListObjectsV2 (its error body carries the precise code: InvalidAccessKeyId,
 * SignatureDoesNotMatch, AccessDenied, NoSuchBucket, PermanentRedirect,
 * AuthorizationHeaderMalformed), HeadBucket (the bucket's region header), then a PUT and DELETE
 * of a small probe object under the given prefix to prove write access. Timeouts are short and
 * there is one retry: an unreachable endpoint fails in seconds, not after the SDK's minutes.
 *
 * <p>The secret key is used to sign and nothing else: no message, log line or result holds it.
 */
public final class ObjectStorePreflight {

    private static final Logger LOG = LoggerFactory.getLogger(ObjectStorePreflight.class);

    static final Duration ATTEMPT_TIMEOUT = Duration.ofSeconds(10);
    static final Duration CALL_TIMEOUT = Duration.ofSeconds(25);
    private static final String REGION_HEADER = "x-amz-bucket-region";
    private static final Pattern REGION_ELEMENT = Pattern.compile("<Region>([^<]+)</Region>");
    private static final Pattern EXPECTING_REGION = Pattern.compile("expecting '([^']+)'");

    /** What a passed check found. */
    public record Result(URI endpoint, String bucket, String bucketRegion, long millis) {}

    private ObjectStorePreflight() {}

    /**
     * @param probePrefix key prefix for the probe object (e.g. the job's artifact prefix), so
     *     that write access is proven where the job will write
     * @throws ObjectStoreProblem naming what to fix
     */
    public static Result check(S3Endpoint s3, String bucket, String probePrefix) {
        long start = System.nanoTime();
        requireUsableEndpoint(s3, bucket);
        ClientOverrideConfiguration failFast = ClientOverrideConfiguration.builder()
                .apiCallAttemptTimeout(ATTEMPT_TIMEOUT)
                .apiCallTimeout(CALL_TIMEOUT)
                .retryStrategy(b -> b.maxAttempts(2))
                .build();
        String probeKey = probePrefix + ".streamtrain-preflight-" + UUID.randomUUID();
        String bucketRegion;
        try (S3Client client = client(s3, bucket, failFast)) {
            call(
                    s3,
                    bucket,
                    "list objects in",
                    () -> client.listObjectsV2(
                            b -> b.bucket(bucket).prefix(probePrefix).maxKeys(1)));
            HeadBucketResponse head =
                    call(s3, bucket, "read the bucket's metadata of", () -> client.headBucket(b -> b.bucket(bucket)));
            bucketRegion = head.bucketRegion() != null
                    ? head.bucketRegion()
                    : head.sdkHttpResponse().firstMatchingHeader(REGION_HEADER).orElse(null);
            if (bucketRegion != null && !sameRegion(bucketRegion, s3.region())) {
                throw regionMismatch(s3, bucket, bucketRegion, null);
            }
            call(
                    s3,
                    bucket,
                    "write objects to",
                    () -> client.putObject(
                            b -> b.bucket(bucket).key(probeKey).contentType("text/plain"),
                            RequestBody.fromString("streamtrain preflight probe; safe to delete")));
            call(
                    s3,
                    bucket,
                    "delete objects from",
                    () -> client.deleteObject(b -> b.bucket(bucket).key(probeKey)));
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        LOG.info(
                "object store OK: {} bucket {} (region {}), access key id {}, list/put/delete in" + " {} ms",
                s3.endpoint(),
                bucket,
                bucketRegion == null ? "not reported" : bucketRegion,
                s3.accessKey(),
                millis);
        return new Result(s3.endpoint(), bucket, bucketRegion, millis);
    }

    /** The client; an s3.trust-store that cannot be read is reported here, as a problem of trust. */
    private static S3Client client(S3Endpoint s3, String bucket, ClientOverrideConfiguration failFast) {
        try {
            return S3Clients.create(s3, failFast);
        } catch (IllegalArgumentException e) {
            if (s3.trust() == null) {
                throw e;
            }
            // the cause (a JDK exception) goes in as text only after the secrets are taken out of it
            throw new ObjectStoreProblem(
                    Kind.CERTIFICATE_UNTRUSTED,
                    s3.endpoint(),
                    bucket,
                    e.getMessage() + ". Check s3.trust-store and s3.trust-store-password.",
                    secrets(s3),
                    null);
        }
    }

    private static String[] secrets(S3Endpoint s3) {
        return new String[] {
            s3.secretKey(), s3.trust() == null ? null : s3.trust().password()
        };
    }

    private interface S3Call<T> {
        T run();
    }

    private static <T> T call(S3Endpoint s3, String bucket, String operation, S3Call<T> call) {
        try {
            return call.run();
        } catch (SdkException e) {
            throw classify(e, s3, bucket, operation);
        }
    }

    private static void requireUsableEndpoint(S3Endpoint s3, String bucket) {
        URI endpoint = s3.endpoint();
        String scheme = endpoint == null ? null : endpoint.getScheme();
        if (scheme == null
                || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
                || endpoint.getHost() == null) {
            throw new ObjectStoreProblem(
                    Kind.ENDPOINT_UNREACHABLE,
                    endpoint,
                    bucket,
                    "The object store endpoint '" + endpoint + "' is not a URL with a protocol. " + endpointAdvice(),
                    secrets(s3),
                    null);
        }
    }

    /** Turns an SDK failure into the problem that explains it; package-private for tests. */
    static ObjectStoreProblem classify(SdkException e, S3Endpoint s3, String bucket, String operation) {
        if (e instanceof S3Exception s3e) {
            return classifyResponse(s3e, s3, bucket, operation);
        }
        if (e instanceof SdkClientException && untrustedCertificate(e)) {
            return new ObjectStoreProblem(
                    Kind.CERTIFICATE_UNTRUSTED,
                    s3.endpoint(),
                    bucket,
                    "The S3 endpoint's certificate is not trusted: " + s3.endpoint() + " answered https with a"
                            + " certificate that no CA this job trusts has signed ("
                            + (s3.trust() == null
                                    ? "the JVM's own CAs"
                                    : "the CAs of s3.trust-store " + s3.trust().file())
                            + "). If it comes from a private CA, set s3.trust-store to a trust store holding that CA"
                            + " (PKCS12 or JKS, with s3.trust-store-password) or to its PEM file (AWS_CA_BUNDLE for"
                            + " the command-line tools); Flink's s3:// filesystem needs the same CA in the JVM-wide"
                            + " javax.net.ssl.trustStore of every JobManager and TaskManager (README \"Secured Kafka"
                            + " and S3\").",
                    secrets(s3),
                    e);
        }
        if (e instanceof SdkClientException) {
            Optional<String> unreachable = unreachableReason(e);
            if (unreachable.isPresent()) {
                return new ObjectStoreProblem(
                        Kind.ENDPOINT_UNREACHABLE,
                        s3.endpoint(),
                        bucket,
                        "Cannot reach the object store at " + s3.endpoint() + " (" + unreachable.get() + "). "
                                + endpointAdvice(),
                        secrets(s3),
                        e);
            }
        }
        return unexpected(s3, bucket, operation, e.getClass().getSimpleName() + ": " + e.getMessage(), e);
    }

    private static ObjectStoreProblem classifyResponse(S3Exception e, S3Endpoint s3, String bucket, String operation) {
        AwsErrorDetails details = e.awsErrorDetails();
        String code = details == null || details.errorCode() == null ? "" : details.errorCode();
        int status = e.statusCode();
        String expectedRegion = expectedRegion(e).orElse(null);

        if (status == 301
                || code.equals("PermanentRedirect")
                || code.equals("AuthorizationHeaderMalformed")
                || code.equals("IllegalLocationConstraintException")
                || (expectedRegion != null && !sameRegion(expectedRegion, s3.region()))) {
            return regionMismatch(s3, bucket, expectedRegion, e);
        }
        if (status == 404 || code.equals("NoSuchBucket")) {
            return new ObjectStoreProblem(
                    Kind.BUCKET_MISSING,
                    s3.endpoint(),
                    bucket,
                    "Bucket '" + bucket + "' does not exist at " + s3.endpoint() + ". Create it"
                            + " (aws s3 mb s3://" + bucket + " --endpoint-url " + s3.endpoint()
                            + ", or mc mb) and enable versioning on it (aws s3api"
                            + " put-bucket-versioning --bucket " + bucket
                            + " --versioning-configuration Status=Enabled, or mc version enable)"
                            + " so that every epoch's weights keep their own version — or point"
                            + " the job at an existing bucket. If the bucket does exist, check"
                            + " that s3.endpoint is the S3 server itself.",
                    secrets(s3),
                    e);
        }
        if (status == 403
                || code.equals("InvalidAccessKeyId")
                || code.equals("SignatureDoesNotMatch")
                || code.equals("AccessDenied")
                || code.equals("InvalidToken")
                || code.equals("ExpiredToken")) {
            return new ObjectStoreProblem(
                    Kind.CREDENTIALS_REFUSED,
                    s3.endpoint(),
                    bucket,
                    credentialsMessage(code, s3, bucket, operation),
                    secrets(s3),
                    e);
        }
        return unexpected(s3, bucket, operation, "HTTP " + status + (code.isEmpty() ? "" : " " + code), e);
    }

    private static String credentialsMessage(String code, S3Endpoint s3, String bucket, String operation) {
        String key = "access key id '" + s3.accessKey() + "'";
        String fix = " Check s3.access-key and s3.secret-key in the Flink configuration"
                + " (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY for the command-line tools).";
        switch (code) {
            case "InvalidAccessKeyId":
                return "The object store at " + s3.endpoint() + " does not know " + key + " (InvalidAccessKeyId)."
                        + fix;
            case "SignatureDoesNotMatch":
                return "The object store at " + s3.endpoint() + " refused the secret key given"
                        + " for " + key + " (SignatureDoesNotMatch): the secret does not belong"
                        + " to that key." + fix;
            case "AccessDenied":
                return "The object store at " + s3.endpoint() + " accepted " + key + " but"
                        + " denied it to " + operation + " bucket '" + bucket + "'"
                        + " (AccessDenied). Grant it s3:ListBucket on the bucket and"
                        + " s3:GetObject, s3:PutObject, s3:DeleteObject on its objects, or use"
                        + " credentials that have them." + fix;
            default:
                return "The object store at " + s3.endpoint() + " refused " + key + " when"
                        + " trying to " + operation + " bucket '" + bucket + "' (HTTP 403"
                        + (code.isEmpty() ? "" : " " + code) + "): wrong key, wrong secret, or"
                        + " missing permissions." + fix;
        }
    }

    private static ObjectStoreProblem regionMismatch(
            S3Endpoint s3, String bucket, String bucketRegion, Throwable cause) {
        String where = bucketRegion == null
                ? "in another region than the configured '" + s3.region() + "'"
                : "in region '" + bucketRegion + "', but the configured region is '" + s3.region() + "'";
        String target = bucketRegion == null ? "the bucket's region" : bucketRegion;
        return new ObjectStoreProblem(
                Kind.REGION_MISMATCH,
                s3.endpoint(),
                bucket,
                "Bucket '" + bucket + "' lives " + where + " (asked " + s3.endpoint() + ")."
                        + " Set the region (AWS_REGION) to " + target + " and point s3.endpoint"
                        + " at that region's endpoint (https://s3." + (bucketRegion == null ? "<region>" : bucketRegion)
                        + ".amazonaws.com on AWS).",
                secrets(s3),
                cause);
    }

    private static ObjectStoreProblem unexpected(
            S3Endpoint s3, String bucket, String operation, String what, Throwable cause) {
        return new ObjectStoreProblem(
                Kind.UNEXPECTED,
                s3.endpoint(),
                bucket,
                "The object store at " + s3.endpoint() + " failed to " + operation + " bucket '"
                        + bucket + "' with an unexpected answer: " + what + ". Check that"
                        + " s3.endpoint is an S3-compatible server and that it is healthy.",
                secrets(s3),
                cause);
    }

    private static String endpointAdvice() {
        return "Set s3.endpoint in the Flink configuration (AWS_ENDPOINT_URL for the"
                + " command-line tools) to the server's URL including the protocol, e.g."
                + " http://minio:9000 or https://s3.eu-west-1.amazonaws.com, and make sure the"
                + " JobManager and every TaskManager can reach it.";
    }

    /** The region the server says the bucket is in: header, XML {@code <Region>}, or message. */
    static Optional<String> expectedRegion(S3Exception e) {
        AwsErrorDetails details = e.awsErrorDetails();
        if (details == null) {
            return Optional.empty();
        }
        if (details.sdkHttpResponse() != null) {
            Optional<String> header = details.sdkHttpResponse().firstMatchingHeader(REGION_HEADER);
            if (header.isPresent() && !header.get().isBlank()) {
                return header;
            }
        }
        if (details.rawResponse() != null) {
            Matcher m = REGION_ELEMENT.matcher(new String(details.rawResponse().asByteArray(), StandardCharsets.UTF_8));
            if (m.find()) {
                return Optional.of(m.group(1).trim());
            }
        }
        if (details.errorMessage() != null) {
            Matcher m = EXPECTING_REGION.matcher(details.errorMessage());
            if (m.find()) {
                return Optional.of(m.group(1));
            }
        }
        return Optional.empty();
    }

    /**
     * Whether TLS failed because the server's certificate chain leads to no trusted CA (the JDK's
     * CertPathBuilderException, "PKIX path building failed"), rather than for protocol reasons.
     */
    private static boolean untrustedCertificate(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof CertPathBuilderException || t instanceof CertPathValidatorException) {
                return true;
            }
            String m = t.getMessage();
            if (t instanceof SSLException && m != null && m.contains("PKIX path")) {
                return true;
            }
        }
        return false;
    }

    /** Why nothing answered, when the failure is a network one. */
    private static Optional<String> unreachableReason(Throwable e) {
        if (e instanceof ApiCallTimeoutException || e instanceof ApiCallAttemptTimeoutException) {
            return Optional.of("no answer within " + ATTEMPT_TIMEOUT.toSeconds() + " s");
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConnectException) {
                return Optional.of("connection refused");
            }
            if (t instanceof UnknownHostException) {
                return Optional.of("unknown host '" + t.getMessage() + "'");
            }
            if (t instanceof NoRouteToHostException) {
                return Optional.of("no route to host");
            }
            if (t instanceof SSLException) {
                return Optional.of("TLS handshake failed: is it http rather than https, or the" + " other way round? ("
                        + t.getMessage() + ")");
            }
            if (t.getClass().getSimpleName().toLowerCase(Locale.ROOT).contains("timeout")) {
                return Optional.of("timed out");
            }
        }
        for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
            if (t instanceof IOException) {
                return Optional.of(t.getClass().getSimpleName() + ": " + t.getMessage());
            }
        }
        return Optional.empty();
    }

    private static boolean sameRegion(String a, String b) {
        // S3 calls us-east-1 "US" or "" in some old APIs
        return normalise(a).equals(normalise(b));
    }

    private static String normalise(String region) {
        String r = region == null ? "" : region.trim().toLowerCase(Locale.ROOT);
        return r.isEmpty() || r.equals("us") ? "us-east-1" : r;
    }
}
