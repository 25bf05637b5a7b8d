package dev.streamtrain.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamtrain.events.CheckpointEvent;
import dev.streamtrain.jobs.KafkaClients;
import dev.streamtrain.localstack.LocalStack;
import dev.streamtrain.localstack.LocalStackExtension;
import dev.streamtrain.store.ArtifactLayout;
import dev.streamtrain.store.ArtifactResult;
import dev.streamtrain.store.ArtifactWriter;
import dev.streamtrain.store.EpochArtifact;
import dev.streamtrain.store.FlinkS3;
import dev.streamtrain.store.Manifest;
import dev.streamtrain.trainer.DjlTrainer;
import dev.streamtrain.trainer.ModelSpec;
import dev.streamtrain.trainer.TrainerState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.flink.configuration.Configuration;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./streamtrain events} and {@code ./streamtrain fetch} as a user runs them: the launcher
 * script as a subprocess (its own JVM, the packaged tools classpath), against the local stack.
 * After package (failsafe), so the launcher finds its jars and does not rebuild.
 */
@ExtendWith(LocalStackExtension.class)
class LauncherIT {

    @Test
    void eventsListsACommittedEpochAndFetchDownloadsAndVerifiesIt(LocalStack stack, @TempDir Path dir)
            throws Exception {
        assertTheLauncherWillNotRebuild();
        String run = "launcher-" + UUID.randomUUID().toString().substring(0, 8);
        String topic = run + "-events";
        KafkaClients.createTopics(stack.bootstrapServers(), topic);
        FlinkS3.initializeInThisJvm(FlinkS3.apply(new Configuration(), stack.s3()));
        ModelSpec spec = ModelSpec.builder()
                .kind(ModelSpec.Kind.MLP)
                .inputDim(4)
                .hiddenSizes(8)
                .outputDim(1)
                .batchSize(4)
                .build();
        TrainerState state;
        try (DjlTrainer trainer = DjlTrainer.create(spec)) {
            state = trainer.snapshot();
        }
        ArtifactResult epoch1 = new ArtifactWriter(new ArtifactLayout(stack.bucket(), "launcher", run, "m"))
                .write(new EpochArtifact(spec, state, 1, 100, Map.of(), null, new Manifest.Metrics(0.5, 1000), "job"));
        commit(
                stack.bootstrapServers(),
                topic,
                run,
                CheckpointEvent.epochCommitted(epoch1)
                        .samplesTotal(100)
                        .checkpoint(1L, null)
                        .build());

        Launched events = Launched.run("events", "--bootstrap-servers", stack.bootstrapServers(), "--topic", topic);
        assertEquals(0, events.exit(), events.err());
        List<String> lines = events.out().lines().filter(l -> !l.isBlank()).toList();
        assertEquals(1, lines.size(), events.out());
        JsonNode event = parse(lines.get(0));
        assertEquals(1, event.path("epoch").asLong());
        assertEquals(epoch1.manifestUri().toString(), event.path("manifestUri").asText());

        List<String> s3 = List.of(
                "--s3-endpoint",
                stack.s3().endpoint().toString(),
                "--access-key",
                stack.s3().accessKey(),
                "--secret-key",
                stack.s3().secretKey());
        Launched fetched = Launched.run(Stream.concat(
                        Stream.of("fetch"),
                        Stream.concat(
                                s3.stream(),
                                Stream.of(
                                        "--manifest",
                                        event.path("manifestUri").asText(),
                                        "--out",
                                        dir.resolve("e1").toString())))
                .toArray(String[]::new));
        assertEquals(0, fetched.exit(), fetched.err());
        JsonNode result = parse(fetched.out().trim());
        assertEquals(1, result.path("epoch").asLong());
        Map<String, String> expected =
                Map.of("model.safetensors", epoch1.modelSha256(), "optimizer.safetensors", epoch1.optimizerSha256());
        assertEquals(expected.size(), result.path("files").size(), result.toString());
        for (JsonNode f : result.path("files")) {
            byte[] bytes = Files.readAllBytes(Path.of(f.path("path").asText()));
            assertEquals(expected.get(f.path("name").asText()), sha256(bytes), f.toString());
            assertTrue(f.path("verified").asBoolean(), f.toString());
        }
        assertFalse(
                fetched.out().contains(stack.s3().secretKey())
                        || fetched.err().contains(stack.s3().secretKey()),
                "the secret key is never printed");

        // exit codes pass through the launcher: an epoch that does not exist is "not found" (4)
        Launched missing = Launched.run(Stream.concat(
                        Stream.of("fetch"),
                        Stream.concat(
                                s3.stream(),
                                Stream.of(
                                        "--bucket",
                                        stack.bucket(),
                                        "--experiment",
                                        "launcher",
                                        "--run",
                                        run,
                                        "--model",
                                        "m",
                                        "--epoch",
                                        "9",
                                        "--out",
                                        dir.resolve("e9").toString())))
                .toArray(String[]::new));
        assertEquals(4, missing.exit(), missing.err());
        assertTrue(missing.err().contains("epoch-000009"), missing.err());
        assertEquals("", missing.out(), "nothing on stdout when nothing was fetched");
    }

    /** The launcher rebuilds with ./mvnw when a source is newer than the job jar: never inside a running build. */
    private static void assertTheLauncherWillNotRebuild() throws IOException {
        Path home = Launched.home();
        Path target = home.resolve("jobs").resolve("target");
        Path jar = null;
        try (DirectoryStream<Path> jars = Files.newDirectoryStream(target, "streamtrain-jobs-*-job.jar")) {
            for (Path p : jars) {
                jar = p;
            }
        }
        assertTrue(
                jar != null && Files.exists(target.resolve("tools.classpath")),
                "no job jar or tools.classpath in " + target + ": this test runs after package");
        long built = Files.getLastModifiedTime(jar).toMillis();
        Optional<Path> newer;
        try (Stream<Path> files = Stream.of("pipeline", "jobs").flatMap(d -> walk(home.resolve(d)))) {
            newer = Stream.concat(Stream.of(home.resolve("pom.xml")), files)
                    .filter(p -> !home.relativize(p).toString().matches("(.*/)?target(/.*)?"))
                    .filter(Files::isRegularFile)
                    .filter(p -> lastModified(p) > built)
                    .findFirst();
        }
        assertFalse(newer.isPresent(), "the launcher would rebuild: " + newer.orElse(null) + " is newer than " + jar);
    }

    private static Stream<Path> walk(Path dir) {
        try {
            return Files.walk(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long lastModified(Path p) {
        try {
            return Files.getLastModifiedTime(p).toMillis();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void commit(String bootstrap, String topic, String transactionalId, CheckpointEvent e) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, e.key().getBytes(StandardCharsets.UTF_8), e.toJson()));
            producer.commitTransaction();
        }
    }

    private static JsonNode parse(String json) throws IOException {
        return new ObjectMapper().readTree(json);
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
