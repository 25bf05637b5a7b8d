package dev.streamtrain.operator;

import dev.streamtrain.eval.PromotionGate;
import dev.streamtrain.eval.TaskMetrics;
import dev.streamtrain.sample.DeadLetter;
import dev.streamtrain.store.Manifest;
import dev.streamtrain.trainer.TrainerState;
import dev.streamtrain.trainer.TrainingReport;
import java.io.IOException;

/**
 * Where {@link TrainingLoop} and {@link DivergenceRecovery} hand what training produces: the
 * operator routes it to Flink's outputs, metrics and the {@link ArtifactPublisher}; a unit test
 * records it. Keeping these behind an interface is what lets the training logic run without Flink.
 */
interface TrainingOutput {
    /** A mini-batch of {@code rows} samples was trained (whatever the guard's verdict). */
    void batchTrained(int rows);

    /** A report is due (every N samples, and the last one at the end of input). */
    void report(TrainingReport report);

    /** Whether {@link #windowClosed} needs the window's weights (artifacts are written). */
    boolean wantsWeights();

    /**
     * An epoch-window closed with finite weights; {@code snapshot} is null when neither artifacts
     * nor the guard need the weights; {@code resume} is what continuing from this window's artifact
     * needs; {@code holdout} is null when the window had no holdout rows; {@code promotion} says
     * whether its epoch becomes {@code latest}, and why.
     */
    void windowClosed(
            EpochWindow window,
            TrainerState snapshot,
            double seconds,
            long samplesTrained,
            Long lagMillis,
            String device,
            Manifest.Resume resume,
            TaskMetrics holdout,
            PromotionGate.Verdict promotion)
            throws IOException;

    /** One sample of a batch the guard skipped. */
    void deadLetter(DeadLetter deadLetter);

    /** The guard fired and {@code deadLettered} samples were skipped. */
    void diverged(long deadLettered);

    /** The drift detector signalled; a {@code drift-detected} event follows. */
    void driftDetected(DriftSignal signal, long samplesTrained);

    /** A divergence episode ended (or was still open at the end of input); one {@code diverged} event. */
    void episodeEnded(DivergenceEpisode episode, long samplesTrained);
}
