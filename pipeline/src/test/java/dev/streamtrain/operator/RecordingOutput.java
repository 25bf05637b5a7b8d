package dev.streamtrain.operator;

import dev.streamtrain.eval.PromotionGate;
import dev.streamtrain.eval.TaskMetrics;
import dev.streamtrain.sample.DeadLetter;
import dev.streamtrain.store.Manifest;
import dev.streamtrain.trainer.TrainerState;
import dev.streamtrain.trainer.TrainingReport;
import java.util.ArrayList;
import java.util.List;

/** A {@link TrainingOutput} that keeps everything it is handed, for tests without Flink. */
final class RecordingOutput implements TrainingOutput {
    /** A closed window as handed out: its bookkeeping, the weights and the running total then. */
    record ClosedWindow(
            EpochWindow window,
            TrainerState weights,
            long samplesTrained,
            Long lagMillis,
            TaskMetrics holdout,
            PromotionGate.Verdict promotion) {}

    /** An announced episode with the sample total handed along. */
    record Episode(DivergenceEpisode episode, long samplesTrained) {}

    final boolean wantsWeights;
    final List<Integer> batches = new ArrayList<>();
    final List<TrainingReport> reports = new ArrayList<>();
    final List<ClosedWindow> windows = new ArrayList<>();
    final List<DeadLetter> deadLetters = new ArrayList<>();
    final List<Long> divergences = new ArrayList<>();
    final List<Episode> episodes = new ArrayList<>();
    final List<DriftSignal> drifts = new ArrayList<>();

    RecordingOutput(boolean wantsWeights) {
        this.wantsWeights = wantsWeights;
    }

    @Override
    public void batchTrained(int rows) {
        batches.add(rows);
    }

    @Override
    public void report(TrainingReport report) {
        reports.add(report);
    }

    @Override
    public boolean wantsWeights() {
        return wantsWeights;
    }

    @Override
    public void windowClosed(
            EpochWindow window,
            TrainerState snapshot,
            double seconds,
            long samplesTrained,
            Long lagMillis,
            String device,
            Manifest.Resume resume,
            TaskMetrics holdout,
            PromotionGate.Verdict promotion) {
        windows.add(new ClosedWindow(window, snapshot, samplesTrained, lagMillis, holdout, promotion));
    }

    @Override
    public void driftDetected(DriftSignal signal, long samplesTrained) {
        drifts.add(signal);
    }

    @Override
    public void deadLetter(DeadLetter deadLetter) {
        deadLetters.add(deadLetter);
    }

    @Override
    public void diverged(long deadLettered) {
        divergences.add(deadLettered);
    }

    @Override
    public void episodeEnded(DivergenceEpisode episode, long samplesTrained) {
        episodes.add(new Episode(episode, samplesTrained));
    }
}
