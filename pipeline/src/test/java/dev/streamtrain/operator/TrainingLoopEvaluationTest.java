package dev.streamtrain.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamtrain.eval.EvalSettings;
import dev.streamtrain.eval.HoldoutSplit;
import dev.streamtrain.eval.PageHinkley;
import dev.streamtrain.eval.TaskMetrics;
import dev.streamtrain.sample.Sample;
import dev.streamtrain.sample.SampleBlock;
import dev.streamtrain.sample.SampleFormat;
import dev.streamtrain.sample.synthetic.TeacherStream;
import dev.streamtrain.store.Manifest;
import dev.streamtrain.trainer.DjlTrainer;
import dev.streamtrain.trainer.EpochPolicy;
import dev.streamtrain.trainer.ModelSpec;
import dev.streamtrain.trainer.TrainerState;
import dev.streamtrain.trainer.TrainingCounters;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The holdout split, window metrics and drift detection of {@link TrainingLoop}, on a real (CPU) trainer. */
class TrainingLoopEvaluationTest {
    private static final int BATCH = 16;
    private static final long WINDOW = 64;
    private static final double FRACTION = 0.2;

    private static ModelSpec spec(ModelSpec.Loss loss) {
        return ModelSpec.builder()
                .kind(ModelSpec.Kind.MLP)
                .inputDim(8)
                .hiddenSizes(16)
                .outputDim(1)
                .loss(loss)
                .optimizer(ModelSpec.Optimizer.ADAM)
                .learningRate(1e-2f)
                .batchSize(BATCH)
                .seed(7)
                .device(ModelSpec.DeviceChoice.CPU)
                .build();
    }

    /** {@code n} samples of partition 0 at offsets 0..n-1. */
    private static List<Sample> samples(int n, boolean binary) {
        TeacherStream.Builder b = TeacherStream.builder()
                .format(SampleFormat.BINARY)
                .featureDim(8)
                .seed(3);
        TeacherStream teacher = (binary ? b.binary(1) : b.regression(1)).build();
        List<Sample> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Sample s = teacher.next();
            s.topic = "samples";
            s.partition = 0;
            s.offset = i;
            s.eventTimeMillis = 1_000L + i;
            out.add(s);
        }
        return out;
    }

    private static TrainingLoop fresh(ModelSpec spec, EvalSettings eval, RecordingOutput out) {
        TrainerSettings settings = TrainerSettings.builder(spec)
                .epochPolicy(EpochPolicy.everySamples(WINDOW))
                .reportEverySamples(1_000_000)
                .guard(GuardSettings.disabled())
                .eval(eval)
                .build();
        TrainingLoop loop =
                TrainingLoop.restore(settings, null, null, new TrainingCounters(), EpochWindow.first(), null);
        loop.start(out);
        return loop;
    }

    /** What the loop should do, computed without it: train the other rows, score each window's holdout. */
    private record Expected(TrainerState weights, List<TaskMetrics> holdout, List<List<Long>> holdoutOffsets) {}

    private static Expected independently(ModelSpec spec, List<Sample> samples, HoldoutSplit split, boolean binary) {
        List<TaskMetrics> metrics = new ArrayList<>();
        List<List<Long>> offsets = new ArrayList<>();
        try (DjlTrainer trainer = DjlTrainer.create(spec)) {
            BatchBuffer batch = new BatchBuffer(BATCH, 8, 1);
            List<Sample> windowHoldout = new ArrayList<>();
            long trainedInWindow = 0;
            for (Sample s : samples) {
                if (split.isHoldout(s.partition, s.offset)) {
                    windowHoldout.add(s);
                    continue;
                }
                if (batch.add(s)) {
                    trainer.trainBatch(batch.features(), batch.labels(), BATCH);
                    batch.clear();
                    trainedInWindow += BATCH;
                    if (trainedInWindow == WINDOW) {
                        metrics.add(score(trainer, windowHoldout, binary));
                        offsets.add(windowHoldout.stream().map(h -> h.offset).toList());
                        windowHoldout.clear();
                        trainedInWindow = 0;
                    }
                }
            }
            return new Expected(trainer.snapshot(), metrics, offsets);
        }
    }

    /** The task metrics by their definitions, written out here rather than taken from TaskMetrics. */
    private static TaskMetrics score(DjlTrainer trainer, List<Sample> rows, boolean binary) {
        float[] x = new float[rows.size() * 8];
        for (int i = 0; i < rows.size(); i++) {
            System.arraycopy(rows.get(i).features, 0, x, i * 8, 8);
        }
        float[] y = trainer.predict(x, rows.size());
        int n = rows.size();
        double sq = 0;
        double abs = 0;
        double logLoss = 0;
        long right = 0;
        for (int i = 0; i < n; i++) {
            double t = rows.get(i).label[0];
            double d = y[i] - t;
            sq += d * d;
            abs += Math.abs(d);
            double p = 1 / (1 + Math.exp(-y[i])); // sigmoid, then -[t log p + (1-t) log(1-p)]
            logLoss += -(t * Math.log(p) + (1 - t) * Math.log(1 - p));
            if ((y[i] > 0) == (t > 0.5)) {
                right++;
            }
        }
        if (!binary) {
            return new TaskMetrics(n, sq / n, Map.of("mse", sq / n, "mae", abs / n));
        }
        // AUC by counting every positive/negative pair, ties one half
        double pairs = 0;
        double wins = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                if (rows.get(i).label[0] > 0.5f && rows.get(j).label[0] <= 0.5f) {
                    pairs++;
                    wins += y[i] > y[j] ? 1 : y[i] == y[j] ? 0.5 : 0;
                }
            }
        }
        return new TaskMetrics(
                n, logLoss / n, Map.of("logLoss", logLoss / n, "accuracy", (double) right / n, "rocAuc", wins / pairs));
    }

    private static void assertMetrics(TaskMetrics expected, TaskMetrics actual, String what) {
        assertNotNull(actual, what + ": holdout metrics");
        assertEquals(expected.samples(), actual.samples(), what + " samples");
        assertEquals(expected.loss(), actual.loss(), 1e-9, what + " loss");
        assertEquals(expected.values().keySet(), actual.values().keySet(), what + " metric names");
        expected.values().forEach((k, v) -> assertEquals(v, actual.values().get(k), 1e-9, what + " " + k));
    }

    @Test
    void holdoutRowsAreNeverTrainedAndEachWindowScoresItsOwn() throws Exception {
        for (boolean binary : new boolean[] {false, true}) {
            ModelSpec spec = spec(binary ? ModelSpec.Loss.BCE_WITH_LOGITS : ModelSpec.Loss.MSE);
            List<Sample> samples = samples(400, binary);
            HoldoutSplit split = HoldoutSplit.of(FRACTION);
            long holdoutRows = samples.stream()
                    .filter(s -> split.isHoldout(s.partition, s.offset))
                    .count();
            assertTrue(holdoutRows > 40 && holdoutRows < 120, "about 20 % held out: " + holdoutRows);
            Expected expected = independently(spec, samples, split, binary);

            for (int[] blocks : new int[][] {{7}, {16}, {400}}) {
                RecordingOutput out = new RecordingOutput(false);
                EvalSettings eval = new EvalSettings(FRACTION, 4096, null);
                try (TrainingLoop loop = fresh(spec, eval, out)) {
                    for (SampleBlock b : SampleBlocks.cut(samples, blocks)) {
                        loop.train(b);
                    }
                    String what = (binary ? "BINARY" : "REGRESSION") + " blocks " + Arrays.toString(blocks);
                    assertEquals(expected.weights(), loop.trainer().snapshot(), what + ": trained the other rows only");
                    long trained = loop.counters().samplesTrained + loop.pendingRows();
                    assertEquals(samples.size() - holdoutRows, trained, what + ": counts are of trained rows");
                    assertEquals(expected.holdout().size(), out.windows.size(), what);
                    for (int w = 0; w < out.windows.size(); w++) {
                        EpochWindow window = out.windows.get(w).window();
                        assertEquals(WINDOW, window.samples, "window samples count trained rows only");
                        assertMetrics(
                                expected.holdout().get(w), out.windows.get(w).holdout(), what + " window " + w);
                        assertEquals(
                                expected.holdoutOffsets().get(w).size(),
                                out.windows.get(w).holdout().samples());
                    }
                    assertFalse(Double.isNaN(loop.lastHoldoutLoss()));
                }
            }
        }
    }

    @Test
    void holdoutRowsAreCappedPerWindowAndAWindowWithoutThemHasNoHoldoutMetrics() throws Exception {
        ModelSpec spec = spec(ModelSpec.Loss.MSE);
        List<Sample> samples = samples(400, false);
        RecordingOutput capped = new RecordingOutput(false);
        try (TrainingLoop loop = fresh(spec, new EvalSettings(FRACTION, 3, null), capped)) {
            loop.train(SampleBlocks.of(samples));
        }
        assertTrue(capped.windows.stream().allMatch(c -> c.holdout().samples() <= 3));
        assertTrue(capped.windows.stream().anyMatch(c -> c.holdout().samples() == 3));

        RecordingOutput none = new RecordingOutput(false);
        try (TrainingLoop loop = fresh(spec, EvalSettings.disabled(), none)) {
            loop.train(SampleBlocks.of(samples));
            assertEquals(0, loop.holdoutRows());
        }
        assertEquals(6, none.windows.size(), "400 rows, all trained: 6 windows of 64");
        none.windows.forEach(c -> assertNull(c.holdout(), "no holdout rows, no holdout metrics"));
    }

    @Test
    void aShiftOfTheLabelsRaisesOneDriftSignalAtABatchAfterIt() throws Exception {
        ModelSpec spec = spec(ModelSpec.Loss.MSE);
        List<Sample> samples = samples(1600, false);
        int shiftAt = 960;
        for (Sample s : samples.subList(shiftAt, samples.size())) {
            s.label[0] += 5f; // the same features, labels moved: the trained model's loss jumps
        }
        PageHinkley.Settings drift = new PageHinkley.Settings(0.005, 5.0, 10);
        RecordingOutput out = new RecordingOutput(false);
        try (TrainingLoop loop = fresh(spec, new EvalSettings(0, 4096, drift), out)) {
            for (SampleBlock b : SampleBlocks.cut(samples, 16)) {
                loop.train(b);
            }
        }
        assertFalse(out.drifts.isEmpty(), "the shift is detected");
        DriftSignal first = out.drifts.get(0);
        Manifest.OffsetRange batch = first.batchOffsets().get(Manifest.partitionKey("samples", 0));
        assertTrue(batch.first() >= shiftAt, "no signal before the shift: " + batch);
        assertEquals(BATCH - 1, batch.last() - batch.first());
        assertTrue(first.statistic() > 5.0);
        assertEquals(batch.first() / WINDOW + 1, first.epoch(), "the open window's epoch");
    }
}
