package dev.streamtrain.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamtrain.localstack.LocalStack;
import dev.streamtrain.localstack.LocalStackExtension;
import dev.streamtrain.trainer.TrainerState;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.services.s3.S3Client;

/** Moving {@code latest} back to a committed epoch (what a rollback does), on the local stack's S3 server. */
@ExtendWith(LocalStackExtension.class)
class LatestMoverTest {
    private static LocalStack stack;
    private static S3Client s3;
    private static List<TrainerState> states;

    @BeforeAll
    static void setUp(LocalStack localStack) {
        stack = localStack;
        FlinkS3.initializeInThisJvm(FlinkS3.apply(new Configuration(), stack.s3()));
        s3 = S3Clients.create(stack.s3());
        states = TrainedStates.epochs(2, 1);
    }

    @AfterAll
    static void tearDown() {
        s3.close();
    }

    @Test
    void pointsLatestBackAtAnOlderEpochSoThatReadersVerifyAgainstIt() throws Exception {
        ArtifactLayout layout = new ArtifactLayout(
                stack.bucket(),
                "mover-test",
                "run-" + UUID.randomUUID().toString().substring(0, 8),
                "mlp");
        ArtifactWriter writer = new ArtifactWriter(layout);
        ArtifactResult first = writer.write(TrainedStates.artifact(states.get(0), 1));
        writer.write(TrainedStates.artifact(states.get(1), 2));
        ArtifactReader reader = new ArtifactReader(s3, layout.bucket());
        assertEquals(2, reader.readLatest(layout.key()).epoch());

        LatestPointer moved = new LatestMover(s3).pointAt(first.manifestUri());

        LatestPointer read = reader.readLatest(layout.key());
        assertEquals(moved, read, "what pointAt returns is what was written");
        assertEquals(1, read.epoch());
        assertEquals(first.manifestUri(), read.manifest());
        assertEquals(first.manifestSha256(), read.manifestSha256(), "the sha256 of the manifest's bytes in the bucket");
        assertEquals(first.manifest(), reader.readManifest(read), "readers accept the moved pointer (sha256 checked)");
        assertEquals(
                List.of(layout.experiment(), layout.run(), layout.model()),
                List.of(read.experiment(), read.run(), read.model()),
                "taken from the manifest");
    }

    @Test
    void aDeletedEpochIsFileNotFoundAndLatestStaysPut() throws Exception {
        ArtifactLayout layout = new ArtifactLayout(
                stack.bucket(),
                "mover-test",
                "run-" + UUID.randomUUID().toString().substring(0, 8),
                "mlp");
        ArtifactWriter writer = new ArtifactWriter(layout);
        ArtifactResult first = writer.write(TrainedStates.artifact(states.get(0), 1));
        writer.write(TrainedStates.artifact(states.get(1), 2));
        new ArtifactDeleter(layout).delete(1);

        FileNotFoundException e =
                assertThrows(FileNotFoundException.class, () -> new LatestMover(s3).pointAt(first.manifestUri()));
        assertTrue(
                e.getMessage().contains(first.manifestUri().toString())
                        && e.getMessage().contains("deleted"),
                e.getMessage());
        assertEquals(
                2,
                new ArtifactReader(s3, layout.bucket()).readLatest(layout.key()).epoch());
    }

    @Test
    void anUnreachableServerIsAnIOExceptionWithoutTheSecret() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        S3Endpoint down = new S3Endpoint(
                URI.create("http://127.0.0.1:" + closedPort),
                stack.s3().accessKey(),
                stack.s3().secretKey(),
                stack.s3().region());
        URI manifest = URI.create("s3://" + stack.bucket() + "/mover-test/r/m/epoch-000001/manifest.json");
        try (S3Client unreachable = S3Clients.create(
                down,
                ClientOverrideConfiguration.builder()
                        .retryStrategy(RetryMode.STANDARD)
                        .apiCallTimeout(Duration.ofSeconds(10))
                        .build())) {
            IOException e = assertThrows(IOException.class, () -> new LatestMover(unreachable).pointAt(manifest));
            assertFalse(e instanceof FileNotFoundException, "unreachable is not 'deleted': " + e);
            assertTrue(e.getMessage().contains(manifest.toString()), e.getMessage());
            assertFalse(e.getMessage().contains(stack.s3().secretKey()), "no secret in: " + e.getMessage());
        }
    }
}
