package dev.streamtrain.operator;

import dev.streamtrain.store.Manifest;
import dev.streamtrain.trainer.TrainingCounters;

/**
 * What an epoch artifact must hold, beyond its weights and optimizer files, to be a restore point:
 * read off the trainer at the moment a window closes (before the next window opens).
 */
final class ResumeCapture {
    private ResumeCapture() {}

    /**
     * @param closing the window being closed
     * @param spanMillis the event-time span of a window, 0 when windows count samples
     */
    static Manifest.Resume of(EpochWindow closing, TrainingCounters counters, DivergenceGuard guard, long spanMillis) {
        EpochWindow next = closing.next(spanMillis);
        return new Manifest.Resume(
                closing.nextOffsets,
                counters.samplesTrained,
                counters.batches,
                counters.lossSinceReport,
                counters.batchesSinceReport,
                counters.samplesAtLastReport,
                guard.runningMean(),
                guard.acceptedBatches(),
                next.endMillis == Long.MIN_VALUE ? null : next.endMillis);
    }
}
