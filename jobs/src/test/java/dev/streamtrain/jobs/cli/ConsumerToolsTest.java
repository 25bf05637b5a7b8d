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
import dev.streamtrain.sample.SampleFormat;
import dev.streamtrain.sample.synthetic.TeacherStream;
import dev.streamtrain.store.ArtifactLayout;
import dev.streamtrain.store.ArtifactResult;
import dev.streamtrain.store.ArtifactWriter;
import dev.streamtrain.store.EpochArtifact;
import dev.streamtrain.store.FlinkS3;
import dev.streamtrain.store.Manifest;
import dev.streamtrain.store.RunKey;
import dev.streamtrain.store.S3Clients;
import dev.streamtrain.trainer.DjlTrainer;
import dev.streamtrain.trainer.ModelSpec;
import dev.streamtrain.trainer.TrainerState;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.flink.configuration.Configuration;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/** `events` and `fetch` against the real local stack: two committed epochs and one aborted event. */
@ExtendWith(LocalStackExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConsumerToolsTest {
    private final String run = "tools-" + UUID.randomUUID().toString().substring(0, 8);
    private final String topic = run + "-events";
    private final List<ArtifactResult> written = new ArrayList<>();
    private LocalStack stack;

    @BeforeAll
    void twoCommittedEpochsAndOneAbortedEvent(LocalStack stack) throws Exception {
        this.stack = stack;
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
        ArtifactWriter writer = new ArtifactWriter(new ArtifactLayout(stack.bucket(), "tools", run, "m"));
        for (long epoch = 1; epoch <= 2; epoch++) {
            written.add(writer.write(new EpochArtifact(
                    spec, state, epoch, 100, Map.of(), null, new Manifest.Metrics(0.5 / epoch, 1000), "job")));
        }
        try (KafkaProducer<byte[], byte[]> producer = transactionalProducer(run)) {
            for (int i = 0; i < 3; i++) {
                CheckpointEvent e = CheckpointEvent.epochCommitted(written.get(Math.min(i, 1)))
                        .samplesTotal(100L * (i + 1))
                        .checkpoint((long) i + 1, null)
                        .build();
                // i == 1: like a Flink attempt that failed before its checkpoint
                send(producer, topic, e, i != 1);
            }
        }
    }

    private KafkaProducer<byte[], byte[]> transactionalProducer(String transactionalId) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p);
        producer.initTransactions();
        return producer;
    }

    private static void send(KafkaProducer<byte[], byte[]> producer, String topic, CheckpointEvent e, boolean commit) {
        producer.beginTransaction();
        producer.send(new ProducerRecord<>(topic, e.key().getBytes(StandardCharsets.UTF_8), e.toJson()));
        if (commit) {
            producer.commitTransaction();
        } else {
            producer.abortTransaction();
        }
    }

    @Test
    void eventsListsOnlyCommittedEventsAndFilters() {
        List<String> lines = events("--topic", topic);
        assertEquals(2, lines.size(), "the aborted event is not listed: " + lines);
        assertEquals(
                List.of(1L, 2L),
                lines.stream().map(l -> parse(l).path("epoch").asLong()).toList());
        assertEquals(List.of(), events("--topic", topic, "--key", "other/run/m"));
        List<String> human = events("--topic", topic, "--format", "human", "--key", "tools/" + run + "/m");
        assertEquals(3, human.size(), "a header and one line per event: " + human);
        assertTrue(
                human.get(1).contains("epoch-committed") && human.get(1).contains("tools/" + run + "/m"), human.get(1));
        assertTrue(
                human.get(2).contains(written.get(1).manifestUri().toString().replace("manifest.json", "")),
                human.get(2));
        assertEquals(1, events("--topic", topic, "--max-events", "1").size());
    }

    @Test
    void eventsAndFetchRunThroughTheStreamtrainCommand(@TempDir Path dir) throws Exception {
        Captured listed =
                throughStreamtrain("events", "--bootstrap-servers", stack.bootstrapServers(), "--topic", topic);
        assertEquals(0, listed.exit, listed.err);
        List<String> lines = listed.lines();
        assertEquals(
                List.of(1L, 2L),
                lines.stream().map(l -> parse(l).path("epoch").asLong()).toList(),
                listed.out);

        // what a user does next: fetch the epoch the last event names, from the S3 server, verified
        String manifestUri = parse(lines.get(1)).path("manifestUri").asText();
        Captured fetched = throughStreamtrain(
                "fetch",
                "--s3-endpoint",
                stack.s3().endpoint().toString(),
                "--access-key",
                stack.s3().accessKey(),
                "--secret-key",
                stack.s3().secretKey(),
                "--manifest",
                manifestUri,
                "--out",
                dir.resolve("epoch-2").toString());
        assertEquals(0, fetched.exit, fetched.err);
        JsonNode result = parse(fetched.out.trim());
        assertEquals(2, result.path("epoch").asLong());
        assertAllFilesMatch(result, written.get(1));
        assertTrue(
                Files.exists(dir.resolve("epoch-2/manifest.json")), "the manifest is written once every file verified");
        assertFalse(
                fetched.out.contains(stack.s3().secretKey())
                        || fetched.err.contains(stack.s3().secretKey()),
                "the secret key is never printed");
    }

    @Test
    void theLauncherPrintsItsCommandsAndRefusesAnUnknownOne() throws Exception {
        // the commands that need Java are run through the launcher by LauncherIT, after package
        Launched help = Launched.run("--help");
        assertEquals(0, help.exit(), help.err());
        assertEquals("", help.out(), "help is for humans: stderr; stdout stays for machine-readable output");
        for (String command : List.of("local", "events", "fetch", "stack", "cluster", "flink", "rollback")) {
            assertTrue(
                    help.err().lines().anyMatch(l -> l.trim().startsWith(command + " ")),
                    command + " is listed: " + help.err());
        }
        Launched unknown = Launched.run("no-such-command");
        assertEquals(2, unknown.exit(), unknown.err());
        assertTrue(unknown.err().contains("unknown command 'no-such-command'"), unknown.err());
    }

    private record Captured(int exit, String out, String err) {
        List<String> lines() {
            String text = out.trim();
            return text.isEmpty() ? List.of() : List.of(text.split("\n"));
        }
    }

    /** The top-level {@code streamtrain} command in this JVM, stdout and stderr captured (the commands default to them). */
    private static Captured throughStreamtrain(String... args) {
        PrintStream originalOut = System.out;
        PrintStream originalErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int exit = new CommandLine(new Streamtrain()).execute(args);
            return new Captured(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(originalOut);
            System.setErr(originalErr);
        }
    }

    @Test
    void eventsReportsAMissingTopicWithoutCreatingIt() throws Exception {
        String missing = run + "-no-such-topic";
        EventsCommand cmd = new EventsCommand();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        cmd.console = new Console(System.out, new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(
                4, new CommandLine(cmd).execute("--bootstrap-servers", stack.bootstrapServers(), "--topic", missing));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains(missing), err.toString(StandardCharsets.UTF_8));
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", stack.bootstrapServers()))) {
            assertFalse(admin.listTopics().names().get().contains(missing), "reading must not create the topic");
        }
    }

    @Test
    void followStartsAtTheEndAndShowsOnlyCommittedEvents() throws Exception {
        String followTopic = run + "-follow";
        KafkaClients.createTopics(stack.bootstrapServers(), followTopic);
        try (KafkaProducer<byte[], byte[]> producer = transactionalProducer(run + "-follow")) {
            send(
                    producer,
                    followTopic,
                    CheckpointEvent.epochCommitted(written.get(0))
                            .samplesTotal(100)
                            .checkpoint(10L, null)
                            .build(),
                    true); // before the tail starts

            EventsCommand cmd = new EventsCommand();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            cmd.console = new Console(
                    new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8));
            CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> new CommandLine(cmd)
                    .execute(
                            "--bootstrap-servers",
                            stack.bootstrapServers(),
                            "--topic",
                            followTopic,
                            "--follow",
                            "--max-events",
                            "1"));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!err.toString(StandardCharsets.UTF_8).contains("following") && !exit.isDone()) {
                assertTrue(System.nanoTime() < deadline, "the tail did not start: " + err);
                Thread.sleep(50);
            }
            send(
                    producer,
                    followTopic,
                    CheckpointEvent.epochCommitted(written.get(1))
                            .samplesTotal(200)
                            .checkpoint(11L, null)
                            .build(),
                    false); // aborted
            send(
                    producer,
                    followTopic,
                    CheckpointEvent.epochCommitted(written.get(1))
                            .samplesTotal(200)
                            .checkpoint(12L, null)
                            .build(),
                    true);
            assertEquals(0, exit.get(30, TimeUnit.SECONDS), err.toString(StandardCharsets.UTF_8));
            String[] lines = out.toString(StandardCharsets.UTF_8).trim().split("\n");
            assertEquals(1, lines.length, out.toString(StandardCharsets.UTF_8));
            assertEquals(12, parse(lines[0]).path("checkpointId").asLong(), "neither the old nor the aborted event");
        }
    }

    @Test
    void fetchVerifiesByManifestEventAndLatestAndNamesACorruptFile(@TempDir Path dir) throws Exception {
        ArtifactResult epoch1 = written.get(0);
        Fetch byManifest = fetch(
                null,
                "--manifest",
                epoch1.manifestUri().toString(),
                "--out",
                dir.resolve("one").toString());
        assertEquals(0, byManifest.exit, byManifest.err);
        assertEquals(1, byManifest.json().path("epoch").asLong());
        assertAllFilesMatch(byManifest.json(), epoch1);

        String eventJson = new String(
                CheckpointEvent.epochCommitted(epoch1)
                        .samplesTotal(100)
                        .checkpoint(1L, null)
                        .build()
                        .toJson(),
                StandardCharsets.UTF_8);
        Fetch byStdin =
                fetch(eventJson, "--event", "-", "--out", dir.resolve("stdin").toString());
        assertEquals(0, byStdin.exit, byStdin.err);
        assertAllFilesMatch(byStdin.json(), epoch1);
        Path eventFile = Files.writeString(dir.resolve("event.json"), eventJson);
        Fetch byFile = fetch(
                null,
                "--event",
                eventFile.toString(),
                "--out",
                dir.resolve("file").toString());
        assertEquals(0, byFile.exit, byFile.err);

        Fetch latest = fetch(
                null,
                "--bucket",
                stack.bucket(),
                "--experiment",
                "tools",
                "--run",
                run,
                "--model",
                "m",
                "--latest",
                "--out",
                dir.resolve("latest").toString());
        assertEquals(0, latest.exit, latest.err);
        assertEquals(2, latest.json().path("epoch").asLong());
        assertAllFilesMatch(latest.json(), written.get(1));

        ArtifactResult epoch2 = written.get(1);
        try (S3Client s3 = S3Clients.create(stack.s3())) {
            s3.putObject(
                    b -> b.bucket(stack.bucket())
                            .key(epoch2.optimizerUri().getPath().substring(1)),
                    RequestBody.fromString("not the optimizer state"));
        }
        Fetch corrupt = fetch(
                null,
                "--manifest",
                epoch2.manifestUri().toString(),
                "--out",
                dir.resolve("bad").toString());
        assertEquals(3, corrupt.exit, "a corrupted file fails verification: " + corrupt.err);
        assertTrue(corrupt.err.contains("optimizer.safetensors"), "names the file: " + corrupt.err);
        assertEquals("", corrupt.out, "nothing on stdout when verification fails");
        assertFalse(Files.exists(dir.resolve("bad/optimizer.safetensors")), "a bad file is not left under its name");
        assertFalse(Files.exists(dir.resolve("bad/manifest.json")), "an unverified artifact has no manifest.json");
    }

    @Test
    void fetchReportsWhatIsMissingAndWhatIsMisused(@TempDir Path dir) throws Exception {
        String out = dir.resolve("x").toString();
        Fetch missingEpoch = fetch(
                null,
                "--bucket",
                stack.bucket(),
                "--experiment",
                "tools",
                "--run",
                run,
                "--model",
                "m",
                "--epoch",
                "7",
                "--out",
                out);
        assertEquals(4, missingEpoch.exit, "a missing epoch: " + missingEpoch.err);
        assertTrue(missingEpoch.err.contains("epoch-000007"), missingEpoch.err);
        assertEquals(
                4,
                fetch(
                                null,
                                "--bucket",
                                stack.bucket(),
                                "--experiment",
                                "tools",
                                "--run",
                                run,
                                "--model",
                                "nope",
                                "--latest",
                                "--out",
                                out)
                        .exit,
                "a model with no committed epoch");
        String deleted = new String(
                CheckpointEvent.epochDeleted(new RunKey("tools", run, "m"), 1, "s3://b/x/")
                        .samplesTotal(100)
                        .checkpoint(5L, null)
                        .flinkJobId("job")
                        .build()
                        .toJson(),
                StandardCharsets.UTF_8);
        assertEquals(4, fetch(deleted, "--event", "-", "--out", out).exit, "an epoch-deleted event");

        assertEquals(
                2,
                fetch(null, "--manifest", written.get(0).manifestUri().toString(), "--epoch", "1").exit,
                "--epoch goes with --experiment only");
        assertEquals(
                2,
                fetch(null, "--bucket", stack.bucket(), "--experiment", "tools", "--run", run, "--model", "m").exit,
                "neither --epoch nor --latest");
        assertEquals(2, fetch(null, "--event", dir.resolve("no-such-event.json").toString()).exit);
        assertEquals(2, fetch("{not json", "--event", "-").exit);

        FetchCommand cmd = new FetchCommand();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        cmd.console = new Console(System.out, new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(
                2,
                new CommandLine(cmd)
                        .execute(
                                "--s3-endpoint",
                                "localhost:9000",
                                "--access-key",
                                "a",
                                "--secret-key",
                                "SECRET-never-printed",
                                "--manifest",
                                "s3://b/k/manifest.json"),
                "an endpoint without protocol");
        assertFalse(
                err.toString(StandardCharsets.UTF_8).contains("SECRET-never-printed"),
                err.toString(StandardCharsets.UTF_8));
    }

    private static void assertAllFilesMatch(JsonNode result, ArtifactResult expected) throws Exception {
        Map<String, String> sha = Map.of(
                "model.safetensors", expected.modelSha256(), "optimizer.safetensors", expected.optimizerSha256());
        assertEquals(
                sha.keySet(),
                iterate(result.path("files")).stream()
                        .map(f -> f.path("name").asText())
                        .collect(Collectors.toSet()));
        for (JsonNode f : iterate(result.path("files"))) {
            byte[] bytes = Files.readAllBytes(Path.of(f.path("path").asText()));
            assertEquals(sha.get(f.path("name").asText()), f.path("sha256").asText(), f.toString());
            assertEquals(
                    f.path("sha256").asText(),
                    HexFormat.of()
                            .formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)));
            assertEquals(f.path("sizeBytes").asLong(), bytes.length);
            assertTrue(f.path("verified").asBoolean());
        }
    }

    private static List<JsonNode> iterate(JsonNode array) {
        List<JsonNode> list = new ArrayList<>();
        array.forEach(list::add);
        return list;
    }

    private List<String> events(String... args) {
        EventsCommand cmd = new EventsCommand();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        cmd.console = new Console(new PrintStream(bytes, true, StandardCharsets.UTF_8), System.err);
        List<String> all = new ArrayList<>(List.of("--bootstrap-servers", stack.bootstrapServers()));
        all.addAll(List.of(args));
        assertEquals(0, new CommandLine(cmd).execute(all.toArray(String[]::new)));
        String text = bytes.toString(StandardCharsets.UTF_8).trim();
        return text.isEmpty() ? List.of() : List.of(text.split("\n"));
    }

    private record Fetch(int exit, String out, String err) {
        JsonNode json() {
            return parse(out.trim());
        }
    }

    /** Runs fetch with the stack's S3 settings; {@code stdin} feeds {@code --event -}. */
    private Fetch fetch(String stdin, String... args) {
        FetchCommand cmd = new FetchCommand();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        cmd.console = new Console(
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8),
                stdin == null ? System.in : new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
        List<String> all = new ArrayList<>(List.of(
                "--s3-endpoint",
                stack.s3().endpoint().toString(),
                "--access-key",
                stack.s3().accessKey(),
                "--secret-key",
                stack.s3().secretKey()));
        all.addAll(List.of(args));
        int exit = new CommandLine(cmd).execute(all.toArray(String[]::new));
        return new Fetch(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static JsonNode parse(String json) {
        try {
            return new ObjectMapper().readTree(json);
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + json, e);
        }
    }

    @Test
    void produceWritesTheSeededTeacherStreamAndRefusesAMissingTopic() throws Exception {
        String samples = run + "-samples";
        KafkaClients.createTopics(stack.bootstrapServers(), samples);
        ProduceCommand cmd = new ProduceCommand();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        cmd.console = new Console(new PrintStream(out, true, StandardCharsets.UTF_8), System.err);
        assertEquals(
                0,
                new CommandLine(cmd)
                        .execute(
                                "--bootstrap-servers",
                                stack.bootstrapServers(),
                                "--topic",
                                samples,
                                "--samples",
                                "3000",
                                "--format",
                                "BINARY",
                                "--feature-dim",
                                "8",
                                "--seed",
                                "5"));
        assertEquals(
                3000,
                new ObjectMapper()
                        .readTree(out.toString(StandardCharsets.UTF_8))
                        .path("samples")
                        .asInt());

        List<byte[]> expected = TeacherStream.builder()
                .format(SampleFormat.BINARY)
                .featureDim(8)
                .regression(1)
                .seed(5)
                .build()
                .nextEncoded(3000)
                .stream()
                .map(e -> e.value())
                .toList();
        List<byte[]> got = new ArrayList<>();
        try (var consumer = KafkaClients.readCommittedConsumer(stack.bootstrapServers())) {
            consumer.subscribe(List.of(samples));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (got.size() < 3000 && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> got.add(r.value()));
            }
        }
        assertEquals(3000, got.size());
        for (int i = 0; i < got.size(); i++) {
            assertTrue(Arrays.equals(expected.get(i), got.get(i)), "record " + i + " is the seeded stream's");
        }
        assertEquals(
                4,
                new CommandLine(new ProduceCommand())
                        .execute(
                                "--bootstrap-servers",
                                stack.bootstrapServers(),
                                "--topic",
                                run + "-no-such-topic",
                                "--samples",
                                "10"));
    }
}
