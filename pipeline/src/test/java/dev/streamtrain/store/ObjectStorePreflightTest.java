package dev.streamtrain.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamtrain.localstack.LocalStack;
import dev.streamtrain.localstack.ObjectStoreService;
import dev.streamtrain.localstack.S3Credentials;
import dev.streamtrain.localstack.S3ProxyServer;
import dev.streamtrain.store.ObjectStoreProblem.Kind;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Each misconfiguration gives its own kind and a message that says what to fix — and no message
 * ever holds the secret key. Credentials and buckets are checked against s3proxy (which verifies
 * signatures); region mismatches against a stub answering like AWS (see {@link AwsLikeStubServer}).
 */
class ObjectStorePreflightTest {

    private static final String BUCKET = "preflight";
    private static final String PREFIX = "exp/run/model/";
    /** Distinctive, so that any leak is found by a plain substring search. */
    private static final String WRONG_SECRET = "WRONG-secret-7f3a9c-do-not-print";

    @TempDir
    static Path dir;

    private static ObjectStoreService s3proxy;
    private static S3Endpoint good;
    private static final List<ObjectStoreProblem> seen = Collections.synchronizedList(new ArrayList<>());

    @BeforeAll
    static void startS3Proxy() throws Exception {
        s3proxy = S3ProxyServer.start(dir, S3Credentials.local());
        good = s3proxy.endpoint();
        LocalStack.createBucket(s3proxy, BUCKET, false);
    }

    @AfterAll
    static void stop() throws Exception {
        s3proxy.close();
        // the secrets every failing case used must not appear in anything a user or log sees
        for (ObjectStoreProblem p : seen) {
            StringWriter trace = new StringWriter();
            p.printStackTrace(new PrintWriter(trace)); // message, causes and their messages
            for (String secret : List.of(WRONG_SECRET, good.secretKey())) {
                assertFalse(trace.toString().contains(secret), p.kind() + " leaks a secret: " + trace);
            }
        }
        assertFalse(seen.isEmpty());
    }

    @Test
    void fourKindsGiveFourRemediesAndNoMessageHoldsTheSecret() throws Exception {
        List<ObjectStoreProblem> problems = new ArrayList<>();
        problems.add(expectProblem(Kind.ENDPOINT_UNREACHABLE, closedPortEndpoint(), BUCKET));
        problems.add(expectProblem(
                Kind.CREDENTIALS_REFUSED,
                new S3Endpoint(good.endpoint(), good.accessKey(), WRONG_SECRET, good.region()),
                BUCKET));
        problems.add(expectProblem(Kind.BUCKET_MISSING, good, "no-such-bucket"));
        try (AwsLikeStubServer aws = AwsLikeStubServer.start(
                AwsLikeStubServer.headWithRegion(301, "eu-west-1"),
                AwsLikeStubServer.permanentRedirect(BUCKET, "eu-west-1"))) {
            problems.add(expectProblem(Kind.REGION_MISMATCH, at(aws), BUCKET));
        }
        Map<Kind, String> remedy = Map.of(
                Kind.ENDPOINT_UNREACHABLE,
                "AWS_ENDPOINT_URL",
                Kind.CREDENTIALS_REFUSED,
                "s3.secret-key",
                Kind.BUCKET_MISSING,
                "Create it",
                Kind.REGION_MISMATCH,
                "AWS_REGION");
        for (ObjectStoreProblem p : problems) {
            // each message names its own fix and no other kind's
            remedy.forEach((kind, phrase) -> assertEquals(
                    kind == p.kind(),
                    p.getMessage().contains(phrase),
                    p.kind() + " message vs the " + kind + " remedy '" + phrase + "': " + p.getMessage()));
            StringWriter trace = new StringWriter();
            p.printStackTrace(new PrintWriter(trace));
            assertFalse(trace.toString().contains(WRONG_SECRET), p.kind() + " leaks the secret: " + trace);
            assertFalse(trace.toString().contains(good.secretKey()), p.kind() + " leaks the secret: " + trace);
        }
        assertEquals(4, problems.stream().map(Throwable::getMessage).distinct().count());
    }

    private static ObjectStoreProblem expectProblem(Kind kind, S3Endpoint s3, String bucket) {
        ObjectStoreProblem p =
                assertThrows(ObjectStoreProblem.class, () -> ObjectStorePreflight.check(s3, bucket, PREFIX));
        seen.add(p);
        assertEquals(kind, p.kind(), p.getMessage());
        assertFalse(p.getMessage().contains(s3.secretKey()), "secret in message: " + p.getMessage());
        System.out.println(kind + ": " + p.getMessage());
        return p;
    }

    @Test
    void aWorkingStorePassesAndLeavesNoProbeObject() {
        ObjectStorePreflight.Result result = ObjectStorePreflight.check(good, BUCKET, PREFIX);
        assertEquals(BUCKET, result.bucket());
        try (S3Client s3 = S3Clients.create(good)) {
            assertEquals(0, s3.listObjectsV2(b -> b.bucket(BUCKET)).keyCount(), "probe object deleted");
        }
    }

    @Test
    void aWrongSecretIsCredentialsRefusedNamingTheKeyIdOnly() {
        S3Endpoint wrong = new S3Endpoint(good.endpoint(), good.accessKey(), WRONG_SECRET, good.region());
        ObjectStoreProblem p = expectProblem(Kind.CREDENTIALS_REFUSED, wrong, BUCKET);
        assertTrue(p.getMessage().contains("'" + good.accessKey() + "'"), p.getMessage());
        assertTrue(p.getMessage().contains("s3.secret-key"), p.getMessage());
    }

    @Test
    void anUnknownAccessKeyIsCredentialsRefused() {
        S3Endpoint unknown = new S3Endpoint(good.endpoint(), "nobody", WRONG_SECRET, good.region());
        ObjectStoreProblem p = expectProblem(Kind.CREDENTIALS_REFUSED, unknown, BUCKET);
        assertTrue(p.getMessage().contains("'nobody'"), p.getMessage());
    }

    @Test
    void aMissingBucketIsNamedWithHowToCreateIt() {
        ObjectStoreProblem p = expectProblem(Kind.BUCKET_MISSING, good, "no-such-bucket");
        assertTrue(p.getMessage().contains("'no-such-bucket'"), p.getMessage());
        assertTrue(p.getMessage().contains("Create it"), p.getMessage());
        assertTrue(p.getMessage().contains("versioning"), p.getMessage());
    }

    @Test
    void aClosedPortIsEndpointUnreachableNamingTheSetting() throws Exception {
        S3Endpoint closed = closedPortEndpoint();
        URI endpoint = closed.endpoint();
        long start = System.nanoTime();
        ObjectStoreProblem p = expectProblem(Kind.ENDPOINT_UNREACHABLE, closed, BUCKET);
        assertTrue((System.nanoTime() - start) / 1_000_000 < 10_000, "fails fast");
        assertTrue(p.getMessage().contains(endpoint.toString()), p.getMessage());
        assertTrue(p.getMessage().contains("connection refused"), p.getMessage());
        assertTrue(
                p.getMessage().contains("s3.endpoint") && p.getMessage().contains("AWS_ENDPOINT_URL"), p.getMessage());
        assertTrue(p.getMessage().contains("protocol"), p.getMessage());
    }

    @Test
    void anEndpointWithoutProtocolOrResolvableHostIsUnreachable() {
        ObjectStoreProblem noProtocol = expectProblem(
                Kind.ENDPOINT_UNREACHABLE,
                new S3Endpoint(URI.create("minio:9000"), good.accessKey(), good.secretKey(), good.region()),
                BUCKET);
        assertTrue(noProtocol.getMessage().contains("with a protocol"), noProtocol.getMessage());

        ObjectStoreProblem unknownHost = expectProblem(
                Kind.ENDPOINT_UNREACHABLE,
                new S3Endpoint(
                        URI.create("http://no-such-host.invalid:9000"),
                        good.accessKey(),
                        good.secretKey(),
                        good.region()),
                BUCKET);
        assertTrue(unknownHost.getMessage().contains("unknown host"), unknownHost.getMessage());
    }

    /** Why region mismatches are tested against a stub: s3proxy signs-and-accepts any region. */
    @Test
    void s3proxyCannotProvokeARegionMismatch() {
        S3Endpoint otherRegion = new S3Endpoint(good.endpoint(), good.accessKey(), good.secretKey(), "eu-west-1");
        assertEquals(
                BUCKET, ObjectStorePreflight.check(otherRegion, BUCKET, PREFIX).bucket());
    }

    @Test
    void awsPermanentRedirectIsRegionMismatchNamingTheBucketsRegion() throws Exception {
        try (AwsLikeStubServer aws = AwsLikeStubServer.start(
                AwsLikeStubServer.headWithRegion(301, "eu-west-1"),
                AwsLikeStubServer.permanentRedirect(BUCKET, "eu-west-1"))) {
            ObjectStoreProblem p = expectProblem(Kind.REGION_MISMATCH, at(aws), BUCKET);
            assertTrue(
                    p.getMessage().contains("'eu-west-1'") && p.getMessage().contains("'us-east-1'"), p.getMessage());
        }
    }

    @Test
    void awsAuthorizationHeaderMalformedIsRegionMismatch() throws Exception {
        try (AwsLikeStubServer aws = AwsLikeStubServer.start(
                new AwsLikeStubServer.Answer(400, Map.of(), ""),
                AwsLikeStubServer.authorizationHeaderMalformed("us-east-1", "eu-central-1"))) {
            ObjectStoreProblem p = expectProblem(Kind.REGION_MISMATCH, at(aws), BUCKET);
            assertTrue(p.getMessage().contains("'eu-central-1'"), p.getMessage());
        }
    }

    @Test
    void aBucketRegionHeaderOtherThanTheConfiguredRegionIsRegionMismatch() throws Exception {
        try (AwsLikeStubServer aws = AwsLikeStubServer.start(
                AwsLikeStubServer.headWithRegion(200, "ap-south-1"), AwsLikeStubServer.emptyListing(BUCKET))) {
            ObjectStoreProblem p = expectProblem(Kind.REGION_MISMATCH, at(aws), BUCKET);
            assertTrue(p.getMessage().contains("'ap-south-1'"), p.getMessage());
        }
    }

    private static S3Endpoint closedPortEndpoint() throws IOException {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        return new S3Endpoint(
                URI.create("http://127.0.0.1:" + closedPort), good.accessKey(), WRONG_SECRET, good.region());
    }

    private static S3Endpoint at(AwsLikeStubServer aws) {
        return new S3Endpoint(aws.endpoint(), good.accessKey(), WRONG_SECRET, "us-east-1");
    }
}
