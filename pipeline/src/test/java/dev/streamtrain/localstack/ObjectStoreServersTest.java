package dev.streamtrain.localstack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamtrain.store.S3Clients;
import dev.streamtrain.store.S3Endpoint;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

/** What each S3 server of the stack is used for: versions (s3mock) and credential checks (s3proxy). */
@ExtendWith(LocalStackExtension.class)
class ObjectStoreServersTest {

    @Test
    void theStackBucketKeepsOneVersionPerPut(LocalStack stack) {
        try (S3Client s3 = S3Clients.create(stack.s3())) {
            String key = "versioning-check/model.safetensors";
            String v1 = s3.putObject(b -> b.bucket(stack.bucket()).key(key), RequestBody.fromString("epoch 1"))
                    .versionId();
            String v2 = s3.putObject(b -> b.bucket(stack.bucket()).key(key), RequestBody.fromString("epoch 2"))
                    .versionId();
            assertTrue(v1 != null && v2 != null && !v1.equals(v2), "distinct version ids: " + v1 + ", " + v2);
            String first = s3.getObjectAsBytes(
                            b -> b.bucket(stack.bucket()).key(key).versionId(v1))
                    .asUtf8String();
            assertEquals("epoch 1", first);
        }
    }

    @Test
    void s3proxyRefusesWrongCredentialsAndStopsCleanly(@TempDir Path dir) throws Exception {
        S3Credentials good = S3Credentials.local();
        ObjectStoreService server = S3ProxyServer.start(dir, good);
        long pid;
        try {
            pid = pidOf(server.description());
            S3Endpoint right = server.endpoint();
            S3Endpoint wrong = new S3Endpoint(right.endpoint(), right.accessKey(), "not-the-secret", right.region());
            try (S3Client ok = S3Clients.create(right);
                    S3Client bad = S3Clients.create(wrong)) {
                LocalStack.createBucket(server, "creds", false);
                ok.putObject(b -> b.bucket("creds").key("x"), RequestBody.fromString("x"));
                S3Exception refused = assertThrows(S3Exception.class, () -> bad.listObjectsV2(b -> b.bucket("creds")));
                assertEquals(403, refused.statusCode());
                assertEquals(
                        List.of("x"),
                        ok.listObjectsV2(b -> b.bucket("creds")).contents().stream()
                                .map(o -> o.key())
                                .toList());
            }
        } finally {
            server.close();
        }
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "s3proxy child JVM stopped");
    }

    private static long pidOf(String description) {
        return Long.parseLong(description.replaceAll(".*pid (\\d+).*", "$1"));
    }
}
