package dev.streamtrain.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamtrain.jobs.config.JobConfig;
import dev.streamtrain.jobs.config.TrainingJobOptions;
import dev.streamtrain.localstack.LocalStack;
import dev.streamtrain.localstack.LocalStackExtension;
import dev.streamtrain.sample.Sample;
import dev.streamtrain.sample.SampleBlock;
import dev.streamtrain.sample.synthetic.TeacherStream;
import dev.streamtrain.store.S3Clients;
import dev.streamtrain.trainer.DjlTrainer;
import dev.streamtrain.trainer.TrainerState;
import dev.streamtrain.trainer.TrainingReport;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.s3.S3Client;

/** The training job end to end: real broker, real S3 server, Flink MiniCluster, libtorch on the CPU. */
@ExtendWith(LocalStackExtension.class)
class OnlineTrainingJobTest {

    @Test
    void learnsTheTeacherFromKafka(LocalStack stack) throws Exception {
        // counts and weights below are those of a run that trains on every sample: no holdout
        TrainingJobFixture f = new TrainingJobFixture(stack, "learns")
                .set("eval.holdout-fraction", "0")
                .set("kafka.bounded", "true");
        TeacherStream stream = f.teacher().build();
        StackKafka.produce(stack.bootstrapServers(), f.samplesTopic, stream.nextEncoded(38_400));

        JobConfig config = f.config();
        List<TrainingReport> reports = run(config, null);
        TrainingReport last = reports.get(reports.size() - 1);
        assertTrue(last.last);
        assertEquals(38_400, last.samplesTrained + last.pendingSamples, "every sample reached the trainer once");

        // Held-out data from the same teacher, other inputs. The teacher's outputs have a variance
        // near 1 and the label noise std is 0.1, so an untrained model sits near MSE 1 and a perfect
        // one at 0.01. Requiring held-out MSE below a quarter of the label variance means the model
        // explains > 75% of it: not reachable without learning the teacher, reachable in 600 steps.
        TeacherStream heldOut = f.teacher().dataSeed(999).build();
        int n = 2000;
        float[] x = new float[n * 16];
        float[] y = new float[n];
        double mean = 0;
        for (int i = 0; i < n; i++) {
            Sample s = heldOut.next();
            System.arraycopy(s.features, 0, x, i * 16, 16);
            y[i] = s.label[0];
            mean += y[i] / n;
        }
        double variance = 0;
        for (float v : y) {
            variance += (v - mean) * (v - mean) / n;
        }
        float initialLoss;
        float trainedLoss;
        try (DjlTrainer fresh = DjlTrainer.create(config.modelSpec());
                DjlTrainer trained = DjlTrainer.restore(config.modelSpec(), TrainerState.fromBytes(last.state))) {
            initialLoss = fresh.evaluateLoss(x, y, n);
            trainedLoss = trained.evaluateLoss(x, y, n);
        }
        assertTrue(
                trainedLoss < 0.25 * variance,
                "held-out MSE " + trainedLoss + " (untrained " + initialLoss + ", label variance " + variance + ")");
        assertTrue(
                reports.get(0).meanLoss > reports.get(reports.size() - 2).meanLoss, "training loss falls: " + reports);

        try (S3Client s3 = S3Clients.create(stack.s3())) {
            boolean checkpointed = s3
                    .listObjectsV2Paginator(b -> b.bucket(stack.bucket()).prefix(f.id + "/checkpoints/"))
                    .contents()
                    .stream()
                    .anyMatch(o -> o.key().endsWith("/_metadata"));
            assertTrue(checkpointed, "checkpoints in s3://" + stack.bucket() + "/" + f.id + "/checkpoints");
        }
    }

    @Test
    void aFailureAfterACheckpointRecoversFromS3ToTheSameWeights(LocalStack stack) throws Exception {
        // counts and weights below are those of a run that trains on every sample: no holdout
        TrainingJobFixture f = new TrainingJobFixture(stack, "failover")
                .set("eval.holdout-fraction", "0")
                .set("kafka.bounded", "true")
                .set("restart-strategy.type", "fixed-delay")
                .set("restart-strategy.fixed-delay.attempts", "3")
                .set("restart-strategy.fixed-delay.delay", "100 ms");
        int produced = 19_230; // not a multiple of the batch size: a partial batch stays pending
        StackKafka.produce(
                stack.bootstrapServers(), f.samplesTopic, f.teacher().build().nextEncoded(produced));

        String baselineId = f.id + "-baseline";
        f.set("run.name", baselineId)
                .set("checkpoint.dir", "s3://" + stack.bucket() + "/" + baselineId + "/checkpoints");
        // unpaced: batches form by sample count only, so the pace changes nothing the run computes
        TrainingReport baseline = last(run(f.config(), FailOnceAfterCheckpoint.passThrough(baselineId)));
        assertFalse(FailOnceAfterCheckpoint.failed(baselineId));

        String failingId = f.id + "-failing";
        f.set("run.name", failingId).set("checkpoint.dir", "s3://" + stack.bucket() + "/" + failingId + "/checkpoints");
        TrainingReport recovered = last(run(f.config(), new FailOnceAfterCheckpoint(failingId, 2, 10)));
        assertTrue(FailOnceAfterCheckpoint.failed(failingId), "the failure was injected (after checkpoint 2)");

        assertEquals(produced, recovered.samplesTrained + recovered.pendingSamples, "every valid sample trained once");
        assertEquals(baseline.samplesTrained, recovered.samplesTrained);
        assertEquals(baseline.batches, recovered.batches);
        assertEquals(baseline.stateSha256, recovered.stateSha256, "weights and optimizer state bitwise equal");
    }

    /** Runs the job on a bounded input and returns its reports (exactly once, also across restarts). */
    static List<TrainingReport> run(JobConfig config, MapFunction<SampleBlock, SampleBlock> injector) throws Exception {
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(OnlineTrainingJob.environmentConfig(config));
        OnlineTrainingJob job = new OnlineTrainingJob(
                config,
                KafkaWiring.samplesSource(config),
                KafkaWiring.deadLetterSink(config),
                KafkaWiring.eventSink(config),
                new DiscardingSink<>());
        if (injector != null) {
            job.beforeTrainer(s -> s.map(injector)
                    .returns(TypeInformation.of(SampleBlock.class))
                    .uid("failure-injector")
                    .name("failure injector")
                    .setParallelism(1));
        }
        DataStream<TrainingReport> reports = job.build(env);
        List<TrainingReport> out = new ArrayList<>();
        try (CloseableIterator<TrainingReport> it =
                reports.executeAndCollect("test " + config.get(TrainingJobOptions.RUN))) {
            it.forEachRemaining(out::add);
        }
        return out;
    }

    private static TrainingReport last(List<TrainingReport> reports) {
        TrainingReport r = reports.get(reports.size() - 1);
        assertTrue(r.last, "ends with the end-of-input report");
        return r;
    }
}
