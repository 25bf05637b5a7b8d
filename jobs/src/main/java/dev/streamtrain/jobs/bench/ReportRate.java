package dev.streamtrain.jobs.bench;

import dev.streamtrain.trainer.TrainingReport;
import java.util.List;

/**
 * Training throughput of a job from its {@link TrainingReport}s, between the first and the last
 * report: the first report's interval starts when the trainer opens and so includes the job's
 * start-up (source discovery, first fetch); every later interval is steady-state training,
 * checkpoints included. Durations come from the reports themselves (each says how many samples it
 * covers and at what rate), not from when they reached a sink, so the end-of-input report's model
 * snapshot is not counted as training time.
 */
public record ReportRate(long samples, double seconds, int intervals) {

    /** @throws IllegalArgumentException with fewer than two reports (no interval after start-up) */
    public static ReportRate between(List<TrainingReport> reports) {
        if (reports.size() < 2) {
            throw new IllegalArgumentException(
                    "need at least two training reports to measure a rate after start-up, got " + reports.size()
                            + ": lower report.every-samples or produce more samples");
        }
        long samples = 0;
        double seconds = 0;
        for (int i = 1; i < reports.size(); i++) {
            TrainingReport r = reports.get(i);
            long delta = r.samplesTrained - reports.get(i - 1).samplesTrained;
            if (delta < 0) {
                throw new IllegalArgumentException("samplesTrained went back from " + reports.get(i - 1).samplesTrained
                        + " to " + r.samplesTrained + ": the job restarted, so the rate is not comparable");
            }
            if (delta > 0) { // an empty interval (end of input right after a report) lasted ~0 s
                samples += delta;
                seconds += delta / r.samplesPerSecond;
            }
        }
        return new ReportRate(samples, seconds, reports.size() - 1);
    }

    public double samplesPerSecond() {
        return seconds > 0 ? samples / seconds : Double.NaN;
    }
}
