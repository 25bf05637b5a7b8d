package dev.streamtrain.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamtrain.jobs.config.JobConfig;
import dev.streamtrain.jobs.config.TrainingJobOptions;
import dev.streamtrain.localstack.LocalStack;
import dev.streamtrain.localstack.LocalStackExtension;
import dev.streamtrain.rollback.ArtifactRestorePoint;
import dev.streamtrain.rollback.RestoreRefusedException;
import dev.streamtrain.store.ArtifactLayout;
import dev.streamtrain.store.ArtifactReader;
import dev.streamtrain.store.Manifest;
import dev.streamtrain.store.S3Clients;
import dev.streamtrain.trainer.TrainingReport;
import java.io.FileNotFoundException;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.util.CloseableIterator;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * {@code restore.from-artifact} on the real broker, S3 server and MiniCluster: a fresh job started
 * from epoch 3's artifact retrains epochs 4 and 5 bitwise as the first run did, and a missing or
 * damaged artifact, or offsets that retention deleted, are refused with the reason.
 */
@ExtendWith(LocalStackExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OnlineTrainingJobRestoreTest {
    /** 20 batches of 64 per window; 5 windows end exactly at the input's end. */
    private static final int WINDOW = 1280;

    private static final int EPOCHS = 5;

    private LocalStack stack;
    private TrainingJobFixture first;

    @BeforeAll
    void firstRunTrainsFiveEpochs(LocalStack stack) throws Exception {
        this.stack = stack;
        first = bounded(new TrainingJobFixture(stack, "restore-a"));
        StackKafka.produce(
                stack.bootstrapServers(),
                first.samplesTopic,
                first.teacher().build().nextEncoded(WINDOW * EPOCHS));
        OnlineTrainingJobTest.run(first.config(), null);
    }

    @Test
    @Order(1)
    void aJobStartedFromEpochThreesArtifactRetrainsTheLaterEpochsBitwise() throws Exception {
        Manifest third = manifest(first.id, 3);
        Manifest.Resume resume = third.resume();
        // evaluation is on (the job's default): the offsets cover the trained and the held-out rows
        long next = third.kafkaOffsets().get(first.samplesTopic + "-0").last() + 1;
        assertTrue(next > 3L * WINDOW, "holdout rows were read too: " + next);
        assertEquals(Map.of(first.samplesTopic + "-0", next), resume.nextOffsets(), "one partition, no gap");
        assertEquals(3L * WINDOW, resume.samplesTotal());
        assertEquals(3L * WINDOW / 64, resume.batchesTotal());
        assertEquals(resume.batchesTotal(), third.optimizerSteps(), "one Adam step per batch");

        // a second run of its own name, reading the first run's topic from epoch 3's artifact on
        TrainingJobFixture second = bounded(new TrainingJobFixture(stack, "restore-b"))
                .set("kafka.samples-topic", first.samplesTopic)
                .set(TrainingJobOptions.RESTORE_FROM_ARTIFACT.key(), epochFolder(first.id, 3));
        runRestored(second.config());

        try (S3Client s3 = S3Clients.create(stack.s3())) {
            ArtifactReader reader = new ArtifactReader(s3, stack.bucket());
            assertThrows(
                    FileNotFoundException.class,
                    () -> reader.readManifest(URI.create(epochFolder(second.id, 3) + ArtifactLayout.MANIFEST_FILE)),
                    "the restored run starts after epoch 3: it writes no epoch 3");
        }
        for (int epoch = 4; epoch <= EPOCHS; epoch++) {
            Manifest original = manifest(first.id, epoch);
            Manifest restored = manifest(second.id, epoch);
            for (String file : List.of(ArtifactLayout.MODEL_FILE, ArtifactLayout.OPTIMIZER_FILE)) {
                assertEquals(
                        original.file(file).sha256(),
                        restored.file(file).sha256(),
                        "epoch " + epoch + " " + file + ": bitwise as in the first run");
            }
            assertEquals(original.optimizerSteps(), restored.optimizerSteps());
            assertEquals(original.kafkaOffsets(), restored.kafkaOffsets(), "the same samples, epoch " + epoch);
            assertEquals(original.resume(), restored.resume(), "the same totals and next offsets, epoch " + epoch);
            assertEquals(1, restored.attempt(), "the artifact's attempt, no run.attempt given");
        }
    }

    @Test
    @Order(2)
    void aMissingOrDamagedArtifactIsRefusedWithTheReason() throws Exception {
        RestoreRefusedException missing =
                assertThrows(RestoreRefusedException.class, () -> load(restoring(epochFolder(first.id, 9))));
        assertTrue(missing.getMessage().contains("no epoch artifact at"), missing.getMessage());

        // epoch 2's folder copied elsewhere with one byte of the optimizer file flipped
        String damaged = first.id + "-damaged";
        try (S3Client s3 = S3Clients.create(stack.s3())) {
            for (String file :
                    List.of(ArtifactLayout.MODEL_FILE, ArtifactLayout.OPTIMIZER_FILE, ArtifactLayout.MANIFEST_FILE)) {
                byte[] bytes = s3.getObjectAsBytes(b -> b.bucket(stack.bucket()).key(key(first.id, 2) + file))
                        .asByteArray();
                if (file.equals(ArtifactLayout.OPTIMIZER_FILE)) {
                    bytes[bytes.length - 1] ^= 1;
                }
                s3.putObject(b -> b.bucket(stack.bucket()).key(key(damaged, 2) + file), RequestBody.fromBytes(bytes));
            }
        }
        RestoreRefusedException corrupt =
                assertThrows(RestoreRefusedException.class, () -> load(restoring(epochFolder(damaged, 2))));
        assertTrue(corrupt.getMessage().contains("optimizer.safetensors"), corrupt.getMessage());
        assertTrue(corrupt.getMessage().contains("does not match its manifest"), corrupt.getMessage());
    }

    @Test
    @Order(3)
    void offsetsThatRetentionDeletedAreRefusedNamingPartitionAndOffsets() throws Exception {
        JobConfig config = restoring(epochFolder(first.id, 3));
        long next = manifest(first.id, 3)
                        .kafkaOffsets()
                        .get(first.samplesTopic + "-0")
                        .last()
                + 1;
        assertEquals(next, load(config).nextOffsets().get(first.samplesTopic + "-0"), "readable before");
        long logStart = next + 100;
        try (Admin admin = KafkaClients.admin(stack.bootstrapServers(), Map.of(), 10_000)) {
            admin.deleteRecords(
                            Map.of(new TopicPartition(first.samplesTopic, 0), RecordsToDelete.beforeOffset(logStart)))
                    .all()
                    .get();
        }
        RestoreRefusedException gone = assertThrows(RestoreRefusedException.class, () -> load(config));
        String message = gone.getMessage();
        assertTrue(message.contains("partition " + first.samplesTopic + "-0"), message);
        assertTrue(message.contains("offset " + next), message);
        assertTrue(message.contains("starts at offset " + logStart), message);
        // a restore from a checkpoint or savepoint ignores the key: its state wins
        Configuration recovering = new Configuration();
        recovering.setString("execution.state-recovery.path", "s3://bucket/savepoints/savepoint-1");
        assertNull(OnlineTrainingJobRestore.load(config, recovering));
    }

    /** The first run's configuration with {@code restore.from-artifact} set. */
    private JobConfig restoring(String location) {
        Map<String, String> settings = new HashMap<>(first.settings);
        settings.put(TrainingJobOptions.RESTORE_FROM_ARTIFACT.key(), location);
        return JobConfig.fromMap(settings);
    }

    private static ArtifactRestorePoint load(JobConfig config) throws Exception {
        return OnlineTrainingJobRestore.load(config, new Configuration());
    }

    /** Like {@link OnlineTrainingJobTest#run}, wired as {@link OnlineTrainingJob#main} wires a restore. */
    private static List<TrainingReport> runRestored(JobConfig config) throws Exception {
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(OnlineTrainingJob.environmentConfig(config));
        ArtifactRestorePoint from = OnlineTrainingJobRestore.load(config, env.getConfiguration());
        assertFalse(from == null, "the key is set and nothing is being recovered");
        DataStream<TrainingReport> reports = new OnlineTrainingJob(
                        config,
                        KafkaWiring.samplesSource(config, from.nextOffsets()),
                        KafkaWiring.deadLetterSink(config),
                        KafkaWiring.eventSink(config),
                        new DiscardingSink<>())
                .restoreFrom(from)
                .build(env);
        List<TrainingReport> out = new ArrayList<>();
        try (CloseableIterator<TrainingReport> it = reports.executeAndCollect("restored")) {
            it.forEachRemaining(out::add);
        }
        return out;
    }

    private static TrainingJobFixture bounded(TrainingJobFixture f) {
        return f.set("kafka.bounded", "true").set("epoch.samples", Integer.toString(WINDOW));
    }

    private Manifest manifest(String run, int epoch) throws Exception {
        try (S3Client s3 = S3Clients.create(stack.s3())) {
            return new ArtifactReader(s3, stack.bucket())
                    .readManifest(URI.create(epochFolder(run, epoch) + ArtifactLayout.MANIFEST_FILE));
        }
    }

    private String epochFolder(String run, int epoch) {
        return "s3://" + stack.bucket() + "/" + key(run, epoch);
    }

    private static String key(String run, int epoch) {
        return "tests/" + run + "/model/" + ArtifactLayout.epochFolderName(epoch) + "/";
    }
}
