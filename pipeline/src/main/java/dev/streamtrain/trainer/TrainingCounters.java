package dev.streamtrain.trainer;

/** The trainer's counters; operator state (a Flink POJO, so fields can be added later). */
public class TrainingCounters {
    public long samplesTrained;
    public long batches;
    /** Sum and count of batch losses since the last report. */
    public double lossSinceReport;

    public long batchesSinceReport;
    /** Samples trained at the last report (reports are due every N samples). */
    public long samplesAtLastReport;

    public TrainingCounters() {}
}
