package dev.streamtrain.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamtrain.localstack.LocalStack;
import dev.streamtrain.localstack.LocalStackExtension;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.time.Clock;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.s3.S3Client;

/** Artifacts through the AWS SDK's multipart uploads on the local stack's S3 server. */
@ExtendWith(LocalStackExtension.class)
class S3MultipartSinkTest {
    private static LocalStack stack;
    private static S3Client s3;
    private static S3MultipartSink sink;

    @BeforeAll
    static void setUp(LocalStack localStack) {
        stack = localStack;
        s3 = S3Clients.create(stack.s3());
        sink = new S3MultipartSink(stack.s3());
    }

    @AfterAll
    static void tearDown() {
        sink.close();
        s3.close();
    }

    private static URI uri(String name) {
        return URI.create("s3://" + stack.bucket() + "/multipart-test/" + UUID.randomUUID() + "/" + name);
    }

    @Test
    void anObjectOfSeveralPartsArrivesWholeAndOnlyWhenClosed() throws Exception {
        byte[] bytes = new byte[(int) (2.5 * S3MultipartSink.PART_BYTES)];
        new Random(5).nextBytes(bytes);
        URI target = uri("big.bin");
        OutputStream out = sink.create(target);
        for (int off = 0; off < bytes.length; off += 100_000) { // small writes, as the safetensors writer does
            out.write(bytes, off, Math.min(100_000, bytes.length - off));
        }
        assertFalse(sink.exists(target), "a multipart upload must not be visible before it is completed");
        out.close();
        assertTrue(sink.exists(target));
        assertArrayEquals(
                bytes,
                s3.getObjectAsBytes(b ->
                                b.bucket(stack.bucket()).key(target.getPath().substring(1)))
                        .asByteArray());
        sink.delete(target);
        assertFalse(sink.exists(target));
    }

    @Test
    void artifactWriterKeepsItsOrderAndChecksumsThroughTheSink() throws Exception {
        ArtifactLayout layout = new ArtifactLayout(
                stack.bucket(),
                "multipart-test",
                "run-" + UUID.randomUUID().toString().substring(0, 8),
                "mlp");
        ArtifactWriterS3Test.RecordingSink recording = new ArtifactWriterS3Test.RecordingSink(sink);
        ArtifactResult result = new ArtifactWriter(layout, null, recording, Clock.systemUTC())
                .write(TrainedStates.artifact(TrainedStates.epochs(1, 1).get(0), 1));
        assertEquals(
                List.of(
                        "closed " + layout.modelKey(1),
                        "closed " + layout.optimizerKey(1),
                        "closed " + layout.manifestKey(1),
                        "closed " + layout.latestKey()),
                recording.events(layout));
        byte[] model = s3.getObjectAsBytes(b -> b.bucket(layout.bucket()).key(layout.modelKey(1)))
                .asByteArray();
        assertEquals(result.modelSha256(), HashingOutputStream.sha256Hex(model));
        assertEquals(result.modelBytes(), model.length);
    }

    @Test
    void aFailedUploadFailsTheWriteNamingTheObject() {
        URI nowhere =
                URI.create("s3://no-such-bucket-" + UUID.randomUUID().toString().substring(0, 8) + "/x/model.bin");
        IOException e = assertThrows(IOException.class, () -> {
            try (OutputStream out = sink.create(nowhere)) {
                out.write(new byte[1024]);
            }
        });
        assertTrue(e.getMessage().contains(nowhere.toString()), e.getMessage());
    }
}
