package dev.streamtrain.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamtrain.eval.HoldoutSplit;
import dev.streamtrain.events.CheckpointEvent;
import dev.streamtrain.jobs.config.JobConfig;
import dev.streamtrain.localstack.Await;
import dev.streamtrain.localstack.LocalStack;
import dev.streamtrain.localstack.LocalStackExtension;
import dev.streamtrain.sample.Sample;
import dev.streamtrain.sample.synthetic.TeacherStream;
import dev.streamtrain.store.HoldoutMetrics;
import dev.streamtrain.store.Manifest;
import dev.streamtrain.trainer.DjlTrainer;
import dev.streamtrain.trainer.TrainerState;
import dev.streamtrain.trainer.TrainingReport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Evaluation in the running job (issue 13): holdout rows are never trained on, each window's
 * {@code metrics.holdout} scores exactly its own holdout rows, and all of it is the same, bitwise,
 * after an injected failure. Real broker, real S3 server, Flink MiniCluster.
 */
@ExtendWith(LocalStackExtension.class)
class EvaluationJobTest {
    private static final int PRODUCED = 12_800;
    private static final long WINDOW = 1280;
    private static final double FRACTION = 0.1;

    private static TrainingJobFixture fixture(LocalStack stack, String name) throws Exception {
        TrainingJobFixture f = new TrainingJobFixture(stack, name)
                .set("eval.holdout-fraction", String.valueOf(FRACTION))
                .set("kafka.bounded", "true")
                .set("epoch.samples", String.valueOf(WINDOW))
                .set("restart-strategy.type", "fixed-delay")
                .set("restart-strategy.fixed-delay.attempts", "3")
                .set("restart-strategy.fixed-delay.delay", "100 ms");
        StackKafka.produce(
                stack.bootstrapServers(), f.samplesTopic, f.teacher().build().nextEncoded(PRODUCED));
        return f;
    }

    @Test
    void holdoutRowsAreNeverTrainedAndTheirMetricsSurviveAFailureBitwise(LocalStack stack) throws Exception {
        TrainingJobFixture baselineRun = fixture(stack, "eval-baseline");
        TrainingReport baseline = last(
                OnlineTrainingJobTest.run(baselineRun.config(), new FailOnceAfterCheckpoint(baselineRun.id, -1, 10)));
        assertFalse(FailOnceAfterCheckpoint.failed(baselineRun.id));

        TrainingJobFixture failingRun = fixture(stack, "eval-failing");
        JobConfig config = failingRun.config();
        TrainingReport recovered =
                last(OnlineTrainingJobTest.run(config, new FailOnceAfterCheckpoint(failingRun.id, 2, 10)));
        assertTrue(FailOnceAfterCheckpoint.failed(failingRun.id), "the failure was injected (after checkpoint 2)");
        assertEquals(baseline.stateSha256, recovered.stateSha256, "weights and optimizer state bitwise equal");

        HoldoutSplit split = HoldoutSplit.of(FRACTION);
        long[] holdoutBefore = new long[PRODUCED + 1]; // holdoutBefore[o]: holdout offsets below o
        for (int o = 0; o < PRODUCED; o++) {
            holdoutBefore[o + 1] = holdoutBefore[o] + (split.isHoldout(0, o) ? 1 : 0);
        }
        long holdout = holdoutBefore[PRODUCED];
        assertTrue(holdout > PRODUCED * FRACTION / 2, "the split holds out rows: " + holdout);
        assertEquals(
                PRODUCED - holdout, recovered.samplesTrained + recovered.pendingSamples, "holdout rows never trained");

        long windows = (recovered.samplesTrained + WINDOW - 1) / WINDOW;
        List<CheckpointEvent> events = committedEpochs(stack, failingRun.eventsTopic, windows);
        List<CheckpointEvent> baselineEvents = committedEpochs(stack, baselineRun.eventsTopic, windows);
        String partition = Manifest.partitionKey(failingRun.samplesTopic, 0);
        long previousLast = -1;
        long trained = 0;
        for (int i = 0; i < events.size(); i++) {
            Manifest m = events.get(i).manifest();
            Manifest.OffsetRange range = m.kafkaOffsets().get(partition);
            assertEquals(
                    previousLast + 1,
                    range.first() - holdoutBetween(holdoutBefore, previousLast + 1, range.first()),
                    "epoch " + m.epoch() + " starts at the first offset after the previous window, holdout rows aside");
            long trainable =
                    (range.last() + 1 - range.first()) - holdoutBetween(holdoutBefore, range.first(), range.last() + 1);
            assertEquals(
                    trainable,
                    m.sampleCount(),
                    "epoch " + m.epoch() + " trained every offset of its range but the holdout ones");
            trained += m.sampleCount();

            // a window closes right after its last batch: the holdout rows after it belong to the next
            // window, but the last window (closed by the end of input) also has those among the pending rows
            long scoredEnd = i == events.size() - 1 ? PRODUCED : range.last() + 1;
            HoldoutMetrics scored = m.metrics().holdout();
            assertNotNull(scored, "epoch " + m.epoch() + " has holdout rows, so metrics.holdout");
            assertEquals(
                    holdoutBetween(holdoutBefore, previousLast + 1, scoredEnd),
                    scored.samples(),
                    "epoch " + m.epoch() + " scores the holdout rows since the previous window");
            assertNotNull(scored.mse());
            assertNotNull(scored.mae());
            assertEquals(scored.loss(), scored.mse(), "the loss of an MSE model is its mse");
            assertEquals(m.sampleCount(), m.metrics().prequential().samples());
            assertEquals(m.metrics().meanLoss(), m.metrics().prequential().loss());
            assertEquals(
                    baselineEvents.get(i).manifest().metrics().holdout(),
                    scored,
                    "epoch " + m.epoch() + ": the same holdout metrics as the run without a failure");
            assertEquals(
                    baselineEvents.get(i).manifest().metrics().prequential(),
                    m.metrics().prequential());
            previousLast = range.last();
        }
        assertEquals(recovered.samplesTrained, trained, "every trained sample is in exactly one window");

        // the last window's holdout rows, scored independently by the final model (bounded input: the
        // final report's model is the last window's)
        List<Sample> rows = new ArrayList<>();
        TeacherStream again = failingRun.teacher().build();
        long lastFirst = events.get(events.size() - 2)
                        .manifest()
                        .kafkaOffsets()
                        .get(partition)
                        .last()
                + 1;
        for (int o = 0; o < PRODUCED; o++) {
            Sample s = again.next();
            if (o >= lastFirst && split.isHoldout(0, o)) {
                rows.add(s);
            }
        }
        int n = rows.size();
        float[] x = new float[n * 16];
        for (int i = 0; i < n; i++) {
            System.arraycopy(rows.get(i).features, 0, x, i * 16, 16);
        }
        double sq = 0;
        double abs = 0;
        try (DjlTrainer model = DjlTrainer.restore(config.modelSpec(), TrainerState.fromBytes(recovered.state))) {
            float[] y = model.predict(x, n);
            for (int i = 0; i < n; i++) {
                double d = (double) y[i] - rows.get(i).label[0];
                sq += d * d;
                abs += Math.abs(d);
            }
        }
        HoldoutMetrics lastScored =
                events.get(events.size() - 1).manifest().metrics().holdout();
        assertEquals(n, lastScored.samples());
        assertEquals(sq / n, lastScored.mse(), 1e-9, "mse of the last window's holdout rows");
        assertEquals(abs / n, lastScored.mae(), 1e-9, "mae of the last window's holdout rows");
    }

    /** Holdout offsets in [from, to). */
    private static long holdoutBetween(long[] holdoutBefore, long from, long to) {
        return holdoutBefore[(int) to] - holdoutBefore[(int) from];
    }

    /** The {@code epoch-committed} events of a finished bounded run (other types, such as drift-detected, skipped). */
    private static List<CheckpointEvent> committedEpochs(LocalStack stack, String topic, long expected)
            throws Exception {
        JsonSchemaCheck schema = JsonSchemaCheck.checkpointEventSchema();
        ObjectMapper json = new ObjectMapper();
        List<CheckpointEvent> committed = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = StackKafka.readCommitted(stack.bootstrapServers(), topic)) {
            Await.until(Duration.ofSeconds(60), 0, expected + " epoch-committed events on " + topic, () -> {
                for (ConsumerRecord<byte[], byte[]> r : StackKafka.poll(consumer)) {
                    try {
                        assertEquals(List.of(), schema.violations(json.readTree(r.value())), "conforms to the schema");
                        CheckpointEvent e = CheckpointEvent.fromJson(r.value());
                        if (CheckpointEvent.EPOCH_COMMITTED.equals(e.type())) {
                            committed.add(e);
                        }
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
                return committed.size() >= expected;
            });
        }
        assertEquals(expected, committed.size(), "one event per window");
        return committed;
    }

    private static TrainingReport last(List<TrainingReport> reports) {
        TrainingReport r = reports.get(reports.size() - 1);
        assertTrue(r.last, "ends with the end-of-input report");
        return r;
    }
}
