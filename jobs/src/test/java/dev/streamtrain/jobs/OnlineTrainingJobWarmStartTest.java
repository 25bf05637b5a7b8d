package dev.streamtrain.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamtrain.jobs.config.JobConfig;
import dev.streamtrain.jobs.config.TrainingJobOptions;
import dev.streamtrain.localstack.LocalStack;
import dev.streamtrain.localstack.LocalStackExtension;
import dev.streamtrain.sample.synthetic.TeacherStream.EncodedSample;
import dev.streamtrain.store.ArtifactLayout;
import dev.streamtrain.store.ArtifactReader;
import dev.streamtrain.store.Manifest;
import dev.streamtrain.store.S3Clients;
import dev.streamtrain.store.StateDictMismatchException;
import dev.streamtrain.store.WarmStart;
import dev.streamtrain.trainer.TrainingReport;
import java.net.URI;
import java.util.List;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * {@code model.init-from} on the real broker, S3 server and MiniCluster: a run warm-started from
 * another run's last epoch artifact learns the same teacher faster than a cold start on the same new
 * samples, and names its parent in its manifests; a state_dict of another shape fails at start,
 * naming every mismatch.
 */
@ExtendWith(LocalStackExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OnlineTrainingJobWarmStartTest {
    /** 20 batches of 64 per window. */
    private static final int WINDOW = 1280;

    private static final int PARENT_EPOCHS = 3;

    private LocalStack stack;
    private TrainingJobFixture parent;

    @BeforeAll
    void aParentRunTrainsThreeEpochs(LocalStack stack) throws Exception {
        this.stack = stack;
        parent = bounded(new TrainingJobFixture(stack, "warm-a"));
        StackKafka.produce(
                stack.bootstrapServers(),
                parent.samplesTopic,
                parent.teacher().build().nextEncoded(WINDOW * PARENT_EPOCHS));
        OnlineTrainingJobTest.run(parent.config(), null);
    }

    @Test
    void aWarmStartLearnsFasterThanAColdStartAndNamesItsParent() throws Exception {
        // new samples of the same teacher, for both the warm and the cold run
        List<EncodedSample> fresh = parent.teacher().dataSeed(99).build().nextEncoded(WINDOW);
        TrainingJobFixture warm = bounded(new TrainingJobFixture(stack, "warm-b"))
                .set(TrainingJobOptions.MODEL_INIT_FROM.key(), epochFolder(parent.id, PARENT_EPOCHS));
        TrainingJobFixture cold = bounded(new TrainingJobFixture(stack, "warm-c"));
        StackKafka.produce(stack.bootstrapServers(), warm.samplesTopic, fresh);
        StackKafka.produce(stack.bootstrapServers(), cold.samplesTopic, fresh);

        runWarmStarted(warm.config());
        OnlineTrainingJobTest.run(cold.config(), null);

        Manifest warmFirst = manifest(warm.id, 1);
        Manifest coldFirst = manifest(cold.id, 1);
        assertEquals(WINDOW, warmFirst.sampleCount());
        assertEquals(WINDOW, coldFirst.sampleCount(), "the same number of samples");
        assertTrue(
                warmFirst.metrics().meanLoss() < coldFirst.metrics().meanLoss(),
                "warm " + warmFirst.metrics().meanLoss() + " vs cold "
                        + coldFirst.metrics().meanLoss());
        assertEquals(WINDOW / 64, warmFirst.optimizerSteps(), "fresh Adam state: the step count starts at 0");

        Manifest parentLast = manifest(parent.id, PARENT_EPOCHS);
        Manifest.InitFrom initFrom = warmFirst.initFrom();
        assertNotNull(initFrom, "the warm run names its parent");
        assertEquals(epochFolder(parent.id, PARENT_EPOCHS) + ArtifactLayout.MODEL_FILE, initFrom.uri());
        assertEquals(parentLast.file(ArtifactLayout.MODEL_FILE).sha256(), initFrom.sha256());
        assertNull(initFrom.optimizerUri(), "model.init-optimizer defaults to false");
        assertNull(coldFirst.initFrom(), "a cold start names no parent");
    }

    @Test
    void aStateDictOfAnotherShapeFailsAtStartNamingEveryMismatch() throws Exception {
        JobConfig other = bounded(new TrainingJobFixture(stack, "warm-d"))
                .set("model.hidden", "32;16")
                .set(TrainingJobOptions.MODEL_INIT_FROM.key(), epochFolder(parent.id, PARENT_EPOCHS))
                .config();
        StateDictMismatchException e = assertThrows(
                StateDictMismatchException.class,
                () -> OnlineTrainingJobWarmStart.load(other, new Configuration(), false));
        assertEquals(
                List.of(
                        "model.safetensors: tensor 2.weight has shape [32, 32] but the model needs [16, 32]",
                        "model.safetensors: tensor 2.bias has shape [32] but the model needs [16]",
                        "model.safetensors: tensor 4.weight has shape [1, 32] but the model needs [1, 16]"),
                e.mismatches());
        for (String m : e.mismatches()) {
            assertTrue(e.getMessage().contains(m), e.getMessage());
        }
        // a restore from a checkpoint, savepoint or artifact ignores the key: that state wins
        Configuration recovering = new Configuration();
        recovering.setString("execution.state-recovery.path", "s3://bucket/savepoints/savepoint-1");
        assertNull(OnlineTrainingJobWarmStart.load(other, recovering, false));
        assertNull(OnlineTrainingJobWarmStart.load(other, new Configuration(), true));
    }

    /** Like {@link OnlineTrainingJobTest#run}, wired as {@link OnlineTrainingJob#main} wires a warm start. */
    private static void runWarmStarted(JobConfig config) throws Exception {
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(OnlineTrainingJob.environmentConfig(config));
        WarmStart warmStart = OnlineTrainingJobWarmStart.load(config, env.getConfiguration(), false);
        assertNotNull(warmStart, "the key is set and nothing is being recovered");
        DataStream<TrainingReport> reports = new OnlineTrainingJob(
                        config,
                        KafkaWiring.samplesSource(config),
                        KafkaWiring.deadLetterSink(config),
                        KafkaWiring.eventSink(config),
                        new DiscardingSink<>())
                .warmStart(warmStart)
                .build(env);
        try (CloseableIterator<TrainingReport> it = reports.executeAndCollect("warm-started")) {
            it.forEachRemaining(r -> {});
        }
    }

    private static TrainingJobFixture bounded(TrainingJobFixture f) {
        // no holdout: the windows count every sample the test produces
        return f.set("kafka.bounded", "true")
                .set("epoch.samples", Integer.toString(WINDOW))
                .set("eval.holdout-fraction", "0");
    }

    private Manifest manifest(String run, int epoch) throws Exception {
        try (S3Client s3 = S3Clients.create(stack.s3())) {
            return new ArtifactReader(s3, stack.bucket())
                    .readManifest(URI.create(epochFolder(run, epoch) + ArtifactLayout.MANIFEST_FILE));
        }
    }

    private String epochFolder(String run, int epoch) {
        return "s3://" + stack.bucket() + "/tests/" + run + "/model/" + ArtifactLayout.epochFolderName(epoch) + "/";
    }
}
