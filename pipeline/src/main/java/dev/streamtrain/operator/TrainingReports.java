package dev.streamtrain.operator;

import dev.streamtrain.trainer.DjlTrainer;
import dev.streamtrain.trainer.TrainingCounters;
import dev.streamtrain.trainer.TrainingReport;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * When the trainer reports and what a {@link TrainingReport} says: due every {@code everySamples}
 * trained samples (a count, so reports are deterministic), with the mean loss since the previous
 * report (kept in the {@link TrainingCounters}, which are state) and the throughput since then in
 * this attempt (wall clock, not state).
 */
final class TrainingReports {
    private final long everySamples;
    private long startNanos;
    private long startSamples;
    private volatile double lastMeanLoss = Double.NaN;

    TrainingReports(long everySamples, TrainingCounters counters) {
        this.everySamples = everySamples;
        this.startNanos = System.nanoTime();
        this.startSamples = counters.samplesTrained;
    }

    boolean due(TrainingCounters counters) {
        return counters.samplesTrained - counters.samplesAtLastReport >= everySamples;
    }

    /** The mean loss of the latest report that had one (the {@code meanLoss} gauge). */
    double lastMeanLoss() {
        return lastMeanLoss;
    }

    /** The report now; starts the next report period. {@code last} adds the whole model state. */
    TrainingReport next(TrainingCounters counters, int pendingSamples, DjlTrainer trainer, boolean last) {
        TrainingReport r = new TrainingReport();
        r.samplesTrained = counters.samplesTrained;
        r.batches = counters.batches;
        r.meanLoss =
                counters.batchesSinceReport == 0 ? Double.NaN : counters.lossSinceReport / counters.batchesSinceReport;
        long now = System.nanoTime();
        r.samplesPerSecond = (counters.samplesTrained - startSamples) / Math.max(1e-9, (now - startNanos) / 1e9);
        r.pendingSamples = pendingSamples;
        r.last = last;
        r.device = trainer.deviceDescription();
        if (last) {
            r.state = trainer.snapshot().toBytes();
            r.stateSha256 = sha256(r.state);
        }
        if (!Double.isNaN(r.meanLoss)) {
            lastMeanLoss = r.meanLoss;
        }
        counters.lossSinceReport = 0;
        counters.batchesSinceReport = 0;
        counters.samplesAtLastReport = counters.samplesTrained;
        startNanos = now;
        startSamples = counters.samplesTrained;
        return r;
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
