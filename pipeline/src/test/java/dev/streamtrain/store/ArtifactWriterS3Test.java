package dev.streamtrain.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamtrain.localstack.LocalStack;
import dev.streamtrain.localstack.LocalStackExtension;
import dev.streamtrain.trainer.TrainerState;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * ArtifactWriter through Flink's s3:// filesystem (flink-s3-fs-presto) on the local stack's S3
 * server, checked with the AWS SDK and with ArtifactReader.
 */
@ExtendWith(LocalStackExtension.class)
class ArtifactWriterS3Test {

    private static LocalStack stack;
    private static S3Client s3;
    private static List<TrainerState> states;

    @BeforeAll
    static void setUp(LocalStack localStack) {
        stack = localStack;
        FlinkS3.initializeInThisJvm(FlinkS3.apply(new Configuration(), stack.s3()));
        s3 = S3Clients.create(stack.s3());
        states = TrainedStates.epochs(2, 3);
    }

    @AfterAll
    static void tearDown() {
        s3.close();
    }

    private static ArtifactLayout freshLayout() {
        return new ArtifactLayout(
                stack.bucket(),
                "writer-test",
                "run-" + UUID.randomUUID().toString().substring(0, 8),
                "mlp");
    }

    @Test
    void writesEveryFileWithMatchingChecksumsAndCommitsWithTheManifestLast(@TempDir Path tmp) throws Exception {
        ArtifactLayout layout = freshLayout();
        RecordingSink sink = new RecordingSink(ObjectSink.FLINK_FILE_SYSTEM);
        ArtifactWriter writer = new ArtifactWriter(layout, null, sink, Clock.systemUTC());

        ArtifactResult result = writer.write(TrainedStates.artifact(states.get(0), 1));

        assertEquals(
                List.of(
                        "closed " + layout.modelKey(1),
                        "closed " + layout.optimizerKey(1),
                        "closed " + layout.manifestKey(1),
                        "closed " + layout.latestKey()),
                sink.events(layout),
                "manifest after the data files, pointer after the manifest");

        Map<String, S3Object> objects =
                s3
                        .listObjectsV2Paginator(b -> b.bucket(layout.bucket()).prefix(layout.modelPrefix()))
                        .contents()
                        .stream()
                        .collect(Collectors.toMap(S3Object::key, o -> o));
        assertEquals(
                Set.of(layout.modelKey(1), layout.optimizerKey(1), layout.manifestKey(1), layout.latestKey()),
                objects.keySet());
        assertFalse(objects.get(layout.manifestKey(1))
                .lastModified()
                .isBefore(objects.get(layout.modelKey(1)).lastModified()));
        assertFalse(objects.get(layout.latestKey())
                .lastModified()
                .isBefore(objects.get(layout.manifestKey(1)).lastModified()));

        byte[] model = get(layout.modelKey(1));
        byte[] optimizer = get(layout.optimizerKey(1));
        byte[] manifestJson = get(layout.manifestKey(1));
        Manifest manifest = Manifest.fromJson(manifestJson);
        assertEquals(sha256(model), manifest.file("model.safetensors").sha256());
        assertEquals(model.length, manifest.file("model.safetensors").sizeBytes());
        assertEquals(sha256(optimizer), manifest.file("optimizer.safetensors").sha256());
        assertEquals(optimizer.length, manifest.file("optimizer.safetensors").sizeBytes());
        assertEquals(result.modelSha256(), sha256(model));
        assertEquals(result.manifestSha256(), sha256(manifestJson));
        assertEquals(
                model.length + optimizer.length + manifestJson.length + get(layout.latestKey()).length,
                result.bytesWritten());
        assertNull(result.versionId());
        assertNull(manifest.stableModel());
        assertEquals(3, manifest.optimizerSteps());
        assertEquals(new Manifest.OffsetRange(100, 147), manifest.kafkaOffsets().get("samples-0"));
        assertEquals("job-1", manifest.flinkJobId());
        assertEquals(TrainedStates.SPEC, manifest.modelConfig().toSpec());
        assertArrayEquals(
                states.get(0).parameters().get(0).values(),
                SafetensorsTestReader.parse(model).tensors().get("0.weight"));

        String secret = stack.s3().secretKey();
        assertFalse(new String(manifestJson, StandardCharsets.UTF_8).contains(secret), "no secret in the manifest");
        assertFalse(
                new String(get(layout.latestKey()), StandardCharsets.UTF_8).contains(secret), "no secret in latest");

        ArtifactReader reader = new ArtifactReader(s3, layout.bucket());
        LatestPointer latest = reader.readLatest(layout.key());
        assertEquals(1, latest.epoch());
        assertEquals(result.manifestUri(), latest.manifest());
        assertEquals(manifest, reader.readManifest(latest));
        FetchedArtifact fetched = reader.fetch(result.manifestUri(), tmp.resolve("ok"));
        assertArrayEquals(model, Files.readAllBytes(fetched.files().get("model.safetensors")));
        assertArrayEquals(optimizer, Files.readAllBytes(fetched.files().get("optimizer.safetensors")));
        assertArrayEquals(manifestJson, Files.readAllBytes(fetched.files().get("manifest.json")));
    }

    @Test
    void readerNamesTheCorruptedFile(@TempDir Path tmp) throws Exception {
        ArtifactLayout layout = freshLayout();
        ArtifactResult result = new ArtifactWriter(layout).write(TrainedStates.artifact(states.get(0), 4));
        byte[] optimizer = get(layout.optimizerKey(4));
        optimizer[optimizer.length - 1] ^= 1; // one flipped bit in the last moment
        s3.putObject(b -> b.bucket(layout.bucket()).key(layout.optimizerKey(4)), RequestBody.fromBytes(optimizer));

        ArtifactVerificationException e = assertThrows(
                ArtifactVerificationException.class,
                () -> new ArtifactReader(s3, layout.bucket()).fetch(result.manifestUri(), tmp));
        assertEquals("optimizer.safetensors", e.fileName());
        assertTrue(e.getMessage().startsWith("optimizer.safetensors"), e.getMessage());
        assertEquals(result.optimizerSha256(), e.expectedSha256());
        assertFalse(Files.exists(tmp.resolve("optimizer.safetensors")), "no unverified file left under its name");
        assertFalse(Files.exists(tmp.resolve("optimizer.safetensors.part")), "no partial file left");
    }

    @Test
    void aFailedWriteLeavesTheEpochUncommitted() {
        ArtifactLayout layout = freshLayout();
        ObjectSink failOnOptimizer = new RecordingSink(ObjectSink.FLINK_FILE_SYSTEM) {
            @Override
            public OutputStream create(URI uri) throws IOException {
                if (uri.getPath().endsWith("optimizer.safetensors")) {
                    throw new IOException("injected: disk full");
                }
                return super.create(uri);
            }
        };
        ArtifactWriter writer = new ArtifactWriter(layout, null, failOnOptimizer, Clock.systemUTC());
        assertThrows(IOException.class, () -> writer.write(TrainedStates.artifact(states.get(0), 2)));

        List<String> keys =
                s3
                        .listObjectsV2Paginator(b -> b.bucket(layout.bucket()).prefix(layout.modelPrefix()))
                        .contents()
                        .stream()
                        .map(S3Object::key)
                        .toList();
        assertEquals(List.of(layout.modelKey(2)), keys, "weights only: no manifest, no pointer");
        IOException notCommitted =
                assertThrows(IOException.class, () -> new ArtifactReader(s3, layout.bucket()).readLatest(layout.key()));
        assertTrue(notCommitted.getMessage().contains("no committed artifact yet"), notCommitted.getMessage());
    }

    @Test
    void latestNeverMovesBackToAnOlderEpochAndReplaysRewriteCleanly() throws Exception {
        ArtifactLayout layout = freshLayout();
        RecordingSink sink = new RecordingSink(ObjectSink.FLINK_FILE_SYSTEM);
        ArtifactWriter writer = new ArtifactWriter(layout, null, sink, Clock.systemUTC());
        writer.write(TrainedStates.artifact(states.get(0), 1));
        ArtifactResult second = writer.write(TrainedStates.artifact(states.get(1), 2));
        int before = sink.events(layout).size();
        ArtifactResult replayOfFirst = writer.write(TrainedStates.artifact(states.get(0), 1)); // finishes late

        assertEquals(
                List.of(
                        "delete " + layout.manifestKey(1),
                        "closed " + layout.modelKey(1),
                        "closed " + layout.optimizerKey(1),
                        "closed " + layout.manifestKey(1)),
                sink.events(layout).subList(before, sink.events(layout).size()),
                "a rewrite un-commits the folder first, and leaves latest on the newer epoch");

        ArtifactReader reader = new ArtifactReader(s3, layout.bucket());
        LatestPointer latest = reader.readLatest(layout.key());
        assertEquals(2, latest.epoch());
        assertEquals(second.manifestUri(), latest.manifest());
        assertEquals(
                replayOfFirst.manifestSha256(), sha256(get(layout.manifestKey(1))), "the replay re-committed epoch 1");
    }

    private static byte[] get(String key) {
        return s3.getObjectAsBytes(b -> b.bucket(stack.bucket()).key(key)).asByteArray();
    }

    static String sha256(byte[] bytes) {
        return HashingOutputStream.sha256Hex(bytes);
    }

    /** Records when each object becomes visible (stream closed) and each delete, in order. */
    static class RecordingSink implements ObjectSink {
        private final ObjectSink delegate;
        private final List<String> events = Collections.synchronizedList(new ArrayList<>());

        RecordingSink(ObjectSink delegate) {
            this.delegate = delegate;
        }

        List<String> events(ArtifactLayout layout) {
            String prefix = "s3://" + layout.bucket() + "/";
            return events.stream().map(e -> e.replace(prefix, "")).toList();
        }

        @Override
        public OutputStream create(URI uri) throws IOException {
            return new FilterOutputStream(delegate.create(uri)) {
                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    out.write(b, off, len);
                }

                @Override
                public void close() throws IOException {
                    super.close();
                    events.add("closed " + uri);
                }
            };
        }

        @Override
        public boolean exists(URI uri) throws IOException {
            return delegate.exists(uri);
        }

        @Override
        public void delete(URI uri) throws IOException {
            events.add("delete " + uri);
            delegate.delete(uri);
        }
    }
}
