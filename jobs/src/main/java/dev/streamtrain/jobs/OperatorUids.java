package dev.streamtrain.jobs;

/**
 * Operator uids of the training job — a public contract: savepoints map state to operators by
 * these names, so a savepoint taken by one build restores in the next only while they stay
 * (docs/operator-state.md).
 */
public final class OperatorUids {
    private OperatorUids() {}

    public static final String SAMPLES_SOURCE = "samples-source";
    public static final String SAMPLE_VALIDATOR = "sample-validator";
    public static final String DEAD_LETTER_SINK = "dead-letter-sink";
    public static final String MODEL_TRAINER = "model-trainer";
    public static final String EVENT_SINK = "checkpoint-event-sink";
    public static final String REPORT_SINK = "training-report-sink";
}
