package dev.streamtrain.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamtrain.localstack.ObjectStoreService;
import dev.streamtrain.localstack.S3Credentials;
import dev.streamtrain.localstack.S3MockServer;
import dev.streamtrain.localstack.ServerTls;
import dev.streamtrain.localstack.TestCertificates;
import dev.streamtrain.store.ObjectStoreProblem.Kind;
import dev.streamtrain.trainer.TrainerState;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * S3 over https with a private CA, on a real s3mock serving TLS with a key store the test's own CA
 * signed: the SDK clients (sync and the multipart sink's async one) and Flink's s3:// filesystem
 * trust it through s3.trust-store; preflight tells an untrusted certificate and an unreadable trust
 * store apart from the other failures; no secret in any message.
 */
class S3TlsTest {
    private static final String BUCKET = "tls-artifacts";
    private static final List<String> JVM_TRUST =
            List.of("javax.net.ssl.trustStore", "javax.net.ssl.trustStoreType", "javax.net.ssl.trustStorePassword");

    private static TestCertificates tls;
    private static ObjectStoreService server;
    /** The https endpoint, as a user without s3.trust-store would have it; a random secret key to scan for. */
    private static S3Endpoint untrusted;

    private static S3Endpoint trusted;

    @BeforeAll
    static void startTlsServer() throws Exception {
        Path work = Paths.get("target", "s3-tls");
        tls = TestCertificates.create(work);
        S3Credentials credentials = new S3Credentials("tls-key", "s3-secret-" + UUID.randomUUID(), "us-east-1");
        server = S3MockServer.start(work, credentials, new ServerTls(tls.serverKeyStore(), tls.password(), "server"));
        untrusted = server.endpoint();
        trusted = untrusted.withTrust(new S3Trust(tls.trustStore(), tls.password()));
        assertEquals("https", untrusted.endpoint().getScheme());
        try (S3Client s3 = S3Clients.create(trusted)) {
            s3.createBucket(b -> b.bucket(BUCKET));
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void preflightPassesWithTheCaAsTrustStoreOrAsPem() {
        assertEquals(BUCKET, ObjectStorePreflight.check(trusted, BUCKET, "p/").bucket());
        S3Endpoint pem = untrusted.withTrust(new S3Trust(tls.caCertificate(), null));
        assertEquals(BUCKET, ObjectStorePreflight.check(pem, BUCKET, "p/").bucket());
    }

    @Test
    void preflightSaysTheCertificateIsNotTrustedWithoutTheCa() {
        ObjectStoreProblem p =
                assertThrows(ObjectStoreProblem.class, () -> ObjectStorePreflight.check(untrusted, BUCKET, "p/"));
        assertEquals(Kind.CERTIFICATE_UNTRUSTED, p.kind(), p.getMessage());
        assertTrue(p.getMessage().contains("The S3 endpoint's certificate is not trusted"), p.getMessage());
        assertTrue(p.getMessage().contains("set s3.trust-store"), p.getMessage());
        assertNoSecret(p, untrusted.secretKey(), tls.password());
    }

    @Test
    void aTrustStoreOfAnotherCaIsNotTrustEither(@TempDir Path tmp) throws Exception {
        TestCertificates other = TestCertificates.create(tmp);
        S3Endpoint wrongCa = untrusted.withTrust(new S3Trust(other.trustStore(), other.password()));
        ObjectStoreProblem p =
                assertThrows(ObjectStoreProblem.class, () -> ObjectStorePreflight.check(wrongCa, BUCKET, "p/"));
        assertEquals(Kind.CERTIFICATE_UNTRUSTED, p.kind(), p.getMessage());
        assertTrue(p.getMessage().contains(other.trustStore().toString()), "names the store it used: " + p);
        assertNoSecret(p, untrusted.secretKey(), other.password());
    }

    @Test
    void aWrongTrustStorePasswordIsReportedWithoutThePassword() {
        String wrong = "wrong-" + UUID.randomUUID();
        S3Endpoint badPassword = untrusted.withTrust(new S3Trust(tls.trustStore(), wrong));
        ObjectStoreProblem p =
                assertThrows(ObjectStoreProblem.class, () -> ObjectStorePreflight.check(badPassword, BUCKET, "p/"));
        assertEquals(Kind.CERTIFICATE_UNTRUSTED, p.kind(), p.getMessage());
        assertTrue(p.getMessage().contains("s3.trust-store-password"), p.getMessage());
        assertNoSecret(p, untrusted.secretKey(), wrong);
        assertFalse(badPassword.toString().contains(wrong), badPassword.toString());
    }

    @Test
    void artifactsAreWrittenAndReadOverHttpsThroughTheSdkAndFlinksFileSystem(@TempDir Path tmp) throws Exception {
        TrainerState state = TrainedStates.epochs(1, 3).get(0);
        Map<String, String> saved = new HashMap<>();
        JVM_TRUST.forEach(k -> saved.put(k, System.getProperty(k)));
        try (S3Client s3 = S3Clients.create(trusted);
                S3MultipartSink multipart = new S3MultipartSink(trusted)) {
            // the multipart sink: the SDK's async (Netty) client with s3.trust-store
            ArtifactLayout viaSdk = new ArtifactLayout(BUCKET, "tls", "sdk", "mlp");
            ArtifactResult sdk = new ArtifactWriter(viaSdk, null, multipart, Clock.systemUTC())
                    .write(TrainedStates.artifact(state, 1));
            assertReadable(s3, sdk, tmp.resolve("sdk"));

            // Flink's s3:// filesystem (presto) only takes the JVM-wide trust: initializeInThisJvm sets it
            FlinkS3.initializeInThisJvm(FlinkS3.apply(new Configuration(), trusted));
            assertTrue(Files.exists(Path.of(System.getProperty("javax.net.ssl.trustStore"))));
            ArtifactLayout viaFlink = new ArtifactLayout(BUCKET, "tls", "flink", "mlp");
            ArtifactResult flink = new ArtifactWriter(viaFlink).write(TrainedStates.artifact(state, 1));
            assertReadable(s3, flink, tmp.resolve("flink"));
            assertEquals(sdk.modelSha256(), flink.modelSha256(), "the same bytes either way");
        } finally {
            saved.forEach((k, v) -> {
                if (v == null) {
                    System.clearProperty(k);
                } else {
                    System.setProperty(k, v);
                }
            });
        }
    }

    private static void assertReadable(S3Client s3, ArtifactResult result, Path dir) throws Exception {
        FetchedArtifact fetched = new ArtifactReader(s3, BUCKET).fetch(result.manifestUri(), dir);
        assertEquals(result.modelBytes(), Files.size(fetched.files().get("model.safetensors")));
    }

    private static void assertNoSecret(Throwable t, String... secrets) {
        StringWriter all = new StringWriter();
        t.printStackTrace(new PrintWriter(all));
        for (String secret : secrets) {
            assertFalse(all.toString().contains(secret), "a secret in the exception or its causes:\n" + all);
        }
    }
}
