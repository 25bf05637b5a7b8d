package dev.streamtrain.trainer;

/**
 * What the trainer reports every {@code reportEverySamples} trained samples (a count, so reports
 * are deterministic too), and once more at the end of a bounded input ({@code last}), when it also
 * carries the full model and optimizer state.
 */
public class TrainingReport {
    /** Samples applied to the model so far (over the whole run, across restores). */
    public long samplesTrained;
    /** Optimizer steps so far. */
    public long batches;
    /** Mean training loss of the batches since the previous report. */
    public double meanLoss;
    /** Training throughput since the previous report, in this attempt (wall clock; informational). */
    public double samplesPerSecond;
    /** Samples waiting in the partial mini-batch. */
    public int pendingSamples;
    /** SHA-256 (hex) of the serialized model + optimizer state: equal hashes mean bitwise-equal models. */
    public String stateSha256;
    /** True for the report at the end of a bounded input. */
    public boolean last;
    /** The serialized {@code TrainerState}; only set when {@link #last}. */
    public byte[] state;
    /** The device the model trains on, as DJL reports it. */
    public String device;

    public TrainingReport() {}

    @Override
    public String toString() {
        return String.format(
                "samples=%d batches=%d meanLoss=%.6f samples/s=%.0f pending=%d%s",
                samplesTrained, batches, meanLoss, samplesPerSecond, pendingSamples, last ? " (end of input)" : "");
    }
}
