package dev.streamtrain.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.engine.Engine;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Resource discipline, threading and argument checks around the training loop. */
class DjlTrainerLifecycleTest {

    private static ModelSpec spec() {
        return ModelSpec.builder()
                .kind(ModelSpec.Kind.MLP)
                .inputDim(4)
                .hiddenSizes(8)
                .outputDim(1)
                .batchSize(8)
                .seed(1)
                .device(ModelSpec.DeviceChoice.CPU)
                .build();
    }

    /**
     * Every per-step array must die with its step: the long-lived manager holds the same
     * resources after many steps, partial batches, predictions, evaluations and snapshots.
     * (Counts NDArrays, not bytes; direct-memory flatness is a separate, manual check.)
     */
    @Test
    void stepsLeaveNoArraysInTheLongLivedManager() {
        SyntheticData full = SyntheticData.noise(1, 8, 4, 1);
        SyntheticData partial = SyntheticData.noise(2, 3, 4, 1);
        SyntheticData many = SyntheticData.noise(3, 20, 4, 1); // predict/evaluate in chunks
        try (DjlTrainer trainer = DjlTrainer.create(spec())) {
            trainer.trainBatch(full.features, full.labels, full.rows);
            int baseline = trainer.liveResourceCount();

            for (int i = 0; i < 25; i++) {
                trainer.trainBatch(full.features, full.labels, full.rows);
                trainer.trainBatch(partial.features, partial.labels, partial.rows);
                trainer.predict(many.features, many.rows);
                trainer.evaluateLoss(many.features, many.labels, many.rows);
                trainer.snapshot();
            }

            assertEquals(baseline, trainer.liveResourceCount());
            assertEquals(51, trainer.steps());
        }
    }

    /**
     * Flink runs several subtasks in one JVM. DJL's PtGradientCollector allows only one
     * collector per JVM, which is why the trainer sets grad mode per thread instead. Training on
     * the CPU is deterministic, so trainers that overlap on two threads must end exactly where the
     * same trainers end one after the other: same last loss and same weights and Adam state, bit
     * for bit — any state shared between threads would show here.
     */
    @Test
    void trainersOnDifferentThreadsTrainAtTheSameTimeAndAsIfAlone() throws Exception {
        int threads = 2;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(threads);
        try {
            List<Future<Trained>> concurrent = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                long seed = t;
                concurrent.add(pool.submit(() -> train(seed, () -> {
                    start.countDown();
                    start.await(); // overlap the training loops
                })));
            }
            for (int t = 0; t < threads; t++) {
                Trained together = concurrent.get(t).get(60, TimeUnit.SECONDS);
                Trained alone = train(t, () -> {});
                assertTrue(Float.isFinite(together.loss), "thread " + t + ": loss " + together.loss);
                assertEquals(
                        Float.floatToRawIntBits(alone.loss),
                        Float.floatToRawIntBits(together.loss),
                        "thread " + t + ": the last loss, bitwise, as when trained alone");
                assertArrayEquals(
                        alone.state, together.state, "thread " + t + ": weights and optimizer state, bitwise");
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private interface BeforeTraining {
        void run() throws InterruptedException;
    }

    private record Trained(float loss, byte[] state) {}

    /** 300 steps on the noise data of {@code seed}; returns the last loss and the whole trainer state. */
    private static Trained train(long seed, BeforeTraining beforeTraining) throws InterruptedException {
        SyntheticData data = SyntheticData.noise(seed, 8, 4, 1);
        try (DjlTrainer trainer = DjlTrainer.create(spec())) {
            beforeTraining.run();
            float loss = 0;
            for (int i = 0; i < 300; i++) {
                loss = trainer.trainBatch(data.features, data.labels, data.rows);
            }
            return new Trained(loss, trainer.snapshot().toBytes());
        }
    }

    @Test
    void rejectsBadInputsBeforeTouchingNativeCodeAndStaysUsable() {
        ModelSpec classes = ModelSpec.builder()
                .kind(ModelSpec.Kind.LOGISTIC)
                .inputDim(4)
                .outputDim(3)
                .loss(ModelSpec.Loss.SOFTMAX_CROSS_ENTROPY)
                .batchSize(8)
                .device(ModelSpec.DeviceChoice.CPU)
                .build();
        SyntheticData data = SyntheticData.classes(1, 8, 4, 3);
        try (DjlTrainer trainer = DjlTrainer.create(classes)) {
            assertThrows(
                    IllegalArgumentException.class,
                    () -> trainer.trainBatch(data.features, data.labels, 9)); // > batchSize
            assertThrows(IllegalArgumentException.class, () -> trainer.trainBatch(data.features, data.labels, 0));
            assertThrows(
                    IllegalArgumentException.class,
                    () -> trainer.trainBatch(new float[7], data.labels, 2)); // 2 rows need 8
            float[] badLabels = data.labels.clone();
            badLabels[5] = 3f; // classes are 0..2
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> trainer.trainBatch(data.features, badLabels, 8));
            assertTrue(e.getMessage().contains("row 5"), e.getMessage());
            badLabels[5] = 1.5f;
            assertThrows(IllegalArgumentException.class, () -> trainer.trainBatch(data.features, badLabels, 8));

            assertTrue(Float.isFinite(trainer.trainBatch(data.features, data.labels, 8)));
            assertEquals(1, trainer.steps());
        }
    }

    @Test
    void closedTrainerRefusesWorkAndClosesOnce() {
        DjlTrainer trainer = DjlTrainer.create(spec());
        assertTrue(trainer.deviceDescription().startsWith("cpu"), trainer.deviceDescription());
        trainer.close();
        trainer.close();
        assertThrows(IllegalStateException.class, trainer::snapshot);
        assertThrows(IllegalStateException.class, () -> trainer.predict(new float[4], 1));
    }

    @Test
    void explicitGpuRequestFailsLoudlyWithoutAGpu() {
        assumeTrue(Engine.getEngine("PyTorch").getGpuCount() == 0, "a GPU is present");
        ModelSpec gpu = spec().toBuilder().device(ModelSpec.DeviceChoice.GPU).build();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> DjlTrainer.create(gpu));
        assertTrue(e.getMessage().contains("device=GPU"), e.getMessage());
        try (DjlTrainer auto = DjlTrainer.create(
                spec().toBuilder().device(ModelSpec.DeviceChoice.AUTO).build())) {
            assertTrue(auto.deviceDescription().startsWith("cpu"), auto.deviceDescription());
        }
    }
}
