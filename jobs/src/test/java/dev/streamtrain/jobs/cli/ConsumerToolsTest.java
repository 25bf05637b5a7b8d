package dev.streamtrain.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamtrain.events.CheckpointEvent;
import dev.streamtrain.localstack.LocalStack;
import dev.streamtrain.localstack.LocalStackExtension;
import dev.streamtrain.store.ArtifactLayout;
import dev.streamtrain.store.ArtifactResult;
import dev.streamtrain.store.ArtifactWriter;
import dev.streamtrain.store.EpochArtifact;
import dev.streamtrain.store.FlinkS3;
import dev.streamtrain.store.Manifest;
import dev.streamtrain.store.S3Clients;
import dev.streamtrain.trainer.DjlTrainer;
import dev.streamtrain.trainer.ModelSpec;
import dev.streamtrain.trainer.TrainerState;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.flink.configuration.Configuration;
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
        ModelSpec spec = ModelSpec.builder().kind(ModelSpec.Kind.MLP).inputDim(4).hiddenSizes(8).outputDim(1).batchSize(4).build();
        TrainerState state;
        try (DjlTrainer trainer = DjlTrainer.create(spec)) {
            state = trainer.snapshot();
        }
        ArtifactWriter writer = new ArtifactWriter(new ArtifactLayout(stack.bucket(), "tools", run, "m"));
        for (long epoch = 1; epoch <= 2; epoch++) {
            written.add(writer.write(new EpochArtifact(spec, state, epoch, 100, Map.of(), null,
                    new Manifest.Metrics(0.5 / epoch, 1000), "job")));
        }
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, run);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            producer.initTransactions();
            for (int i = 0; i < 3; i++) {
                CheckpointEvent e = CheckpointEvent.committed(written.get(Math.min(i, 1)), 100L * (i + 1), (long) i + 1);
                producer.beginTransaction();
                producer.send(new ProducerRecord<>(topic, e.key().getBytes(StandardCharsets.UTF_8), e.toJson()));
                if (i == 1) {
                    producer.abortTransaction(); // like a Flink attempt that failed before its checkpoint
                } else {
                    producer.commitTransaction();
                }
            }
        }
    }

    @Test
    void eventsListsOnlyCommittedEventsAndFilters() {
        List<String> lines = events("--topic", topic);
        assertEquals(2, lines.size(), "the aborted event is not listed: " + lines);
        assertEquals(List.of(1L, 2L), lines.stream().map(l -> parse(l).path("epoch").asLong()).toList());
        assertEquals(List.of(), events("--topic", topic, "--key", "other/run/m"));
        List<String> human = events("--topic", topic, "--format", "human", "--key", "tools/" + run + "/m");
        assertEquals(3, human.size(), "a header and one line per event: " + human);
        assertTrue(human.get(1).contains("epoch-committed") && human.get(1).contains("tools/" + run + "/m"), human.get(1));
    }

    @Test
    void fetchVerifiesByManifestAndByLatestAndNamesACorruptFile(@TempDir Path dir) throws Exception {
        ArtifactResult epoch1 = written.get(0);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertEquals(0, fetch(out, "--manifest", epoch1.manifestUri().toString(), "--out", dir.resolve("one").toString()));
        JsonNode result = parse(out.toString(StandardCharsets.UTF_8).trim());
        assertEquals(1, result.path("epoch").asLong());
        byte[] weights = Files.readAllBytes(dir.resolve("one/model.safetensors"));
        assertEquals(epoch1.modelSha256(), HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(weights)));

        out.reset();
        assertEquals(0, fetch(out, "--bucket", stack.bucket(), "--experiment", "tools", "--run", run, "--model", "m",
                "--latest", "--out", dir.resolve("latest").toString()));
        assertEquals(2, parse(out.toString(StandardCharsets.UTF_8).trim()).path("epoch").asLong());

        assertEquals(4, fetch(out, "--bucket", stack.bucket(), "--experiment", "tools", "--run", run, "--model", "m",
                "--epoch", "7", "--out", dir.resolve("missing").toString()), "a missing epoch");

        ArtifactResult epoch2 = written.get(1);
        try (S3Client s3 = S3Clients.create(stack.s3())) {
            s3.putObject(b -> b.bucket(stack.bucket()).key(epoch2.optimizerUri().getPath().substring(1)),
                    RequestBody.fromString("not the optimizer state"));
        }
        assertEquals(3, fetch(out, "--manifest", epoch2.manifestUri().toString(), "--out", dir.resolve("bad").toString()),
                "a corrupted file fails verification");
    }

    private List<String> events(String... args) {
        EventsCommand cmd = new EventsCommand();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        cmd.out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        List<String> all = new ArrayList<>(List.of("--bootstrap-servers", stack.bootstrapServers()));
        all.addAll(List.of(args));
        assertEquals(0, new CommandLine(cmd).execute(all.toArray(String[]::new)));
        String text = bytes.toString(StandardCharsets.UTF_8).trim();
        return text.isEmpty() ? List.of() : List.of(text.split("\n"));
    }

    private int fetch(ByteArrayOutputStream out, String... args) {
        FetchCommand cmd = new FetchCommand();
        cmd.stdout = new PrintStream(out, true, StandardCharsets.UTF_8);
        List<String> all = new ArrayList<>(List.of("--s3-endpoint", stack.s3().endpoint().toString(),
                "--access-key", stack.s3().accessKey(), "--secret-key", stack.s3().secretKey()));
        all.addAll(List.of(args));
        return new CommandLine(cmd).execute(all.toArray(String[]::new));
    }

    private static JsonNode parse(String json) {
        try {
            return new ObjectMapper().readTree(json);
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + json, e);
        }
    }
}
