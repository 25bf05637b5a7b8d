package dev.streamtrain.operator;

import dev.streamtrain.store.Manifest;
import dev.streamtrain.trainer.TrainerState;
import dev.streamtrain.trainer.TrainingCounters;
import java.io.Serializable;
import java.util.HashMap;
import java.util.Objects;

/**
 * The trainer's start from an epoch artifact ({@code restore.from-artifact}) when the job has no
 * Flink state: the state the checkpoint taken at that window's close would have restored. Used
 * only by a start without state; a restore from a checkpoint or savepoint ignores it.
 *
 * @param state the artifact's parameters, Adam moments and step, verified against its sha256s
 * @param epoch the artifact's epoch: training continues with the next window
 * @param attempt the artifact's lineage; a higher {@code run.attempt} wins
 */
public record ResumeFromArtifact(TrainerState state, long epoch, int attempt, Manifest.Resume resume)
        implements Serializable {
    private static final long serialVersionUID = 1L;

    public ResumeFromArtifact {
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(resume, "resume");
    }

    TrainingCounters counters() {
        TrainingCounters c = new TrainingCounters();
        c.samplesTrained = resume.samplesTotal();
        c.batches = resume.batchesTotal();
        c.lossSinceReport = resume.lossSinceReport();
        c.batchesSinceReport = resume.batchesSinceReport();
        c.samplesAtLastReport = resume.samplesAtLastReport();
        return c;
    }

    /** The window after the artifact's, empty, carrying the offsets consumed so far. */
    EpochWindow openWindow() {
        EpochWindow w = EpochWindow.first();
        w.epoch = epoch + 1;
        w.nextOffsets = new HashMap<>(resume.nextOffsets());
        if (resume.nextWindowEndMillis() != null) {
            w.endMillis = resume.nextWindowEndMillis();
        }
        return w;
    }

    /** The guard's running mean as it was at the artifact's close (its last good state is the artifact's). */
    void seed(DivergenceGuard guard) {
        guard.resumeRunningMean(resume.guardRunningMean(), resume.guardAcceptedBatches());
    }
}
