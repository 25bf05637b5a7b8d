package dev.streamtrain.jobs.bench;

import dev.streamtrain.sample.Sample;
import dev.streamtrain.sample.synthetic.TeacherStream;
import dev.streamtrain.trainer.DjlTrainer;
import dev.streamtrain.trainer.ModelSpec;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * The ceiling the pipeline is measured against: {@link DjlTrainer#trainBatch} in a tight loop on
 * mini-batches generated before timing, with no Kafka, no decoding, no Flink and no checkpoints.
 */
public final class BareLoop {
    /** Distinct pre-generated batches, cycled; enough that the loop does not train on one batch only. */
    private static final int BATCHES = 16;

    private static final int MIN_WARMUP_STEPS = 5;
    private static final int MIN_TIMED_STEPS = 20;

    private BareLoop() {}

    public record Result(
            double samplesPerSecond,
            long steps,
            double seconds,
            long warmupSteps,
            double stepMillis,
            float firstLoss,
            float lastLoss,
            String device) {}

    /**
     * Warms up for {@code warmup} (at least a few steps: the first steps allocate and let the JIT
     * and libtorch settle), then trains for {@code measure} (at least 20 steps) and reports the rate.
     */
    public static Result run(
            ModelSpec spec, TeacherStream data, Duration warmup, Duration measure, Consumer<String> progress) {
        int batch = spec.batchSize();
        int in = spec.inputDim();
        int out = spec.outputDim();
        float[][] features = new float[BATCHES][batch * in];
        float[][] labels = new float[BATCHES][batch * out];
        for (int b = 0; b < BATCHES; b++) {
            for (int r = 0; r < batch; r++) {
                Sample s = data.next();
                System.arraycopy(s.features, 0, features[b], r * in, in);
                System.arraycopy(s.label, 0, labels[b], r * out, out);
            }
        }
        try (DjlTrainer trainer = DjlTrainer.create(spec)) {
            long warmupSteps = 0;
            float firstLoss = Float.NaN;
            long end = System.nanoTime() + warmup.toNanos();
            while (warmupSteps < MIN_WARMUP_STEPS || System.nanoTime() < end) {
                float loss = trainer.trainBatch(
                        features[(int) (warmupSteps % BATCHES)], labels[(int) (warmupSteps % BATCHES)], batch);
                if (warmupSteps == 0) {
                    firstLoss = loss;
                }
                warmupSteps++;
            }
            progress.accept(String.format(
                    "bare loop: %d warm-up steps done, timing for %d s", warmupSteps, measure.toSeconds()));
            long steps = 0;
            float lastLoss = Float.NaN;
            long t0 = System.nanoTime();
            end = t0 + measure.toNanos();
            long now;
            do {
                int b = (int) ((warmupSteps + steps) % BATCHES);
                lastLoss = trainer.trainBatch(features[b], labels[b], batch);
                steps++;
                now = System.nanoTime();
            } while (steps < MIN_TIMED_STEPS || now < end);
            double seconds = (now - t0) / 1e9;
            return new Result(
                    steps * (double) batch / seconds,
                    steps,
                    seconds,
                    warmupSteps,
                    seconds * 1000 / steps,
                    firstLoss,
                    lastLoss,
                    trainer.deviceDescription());
        }
    }
}
