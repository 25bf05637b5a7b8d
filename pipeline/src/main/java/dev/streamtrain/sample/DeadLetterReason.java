package dev.streamtrain.sample;

/**
 * Why a record was dead-lettered. The names are a public contract: they appear verbatim in the
 * {@code streamtrain.dlq.reason} header and in metric names, so tooling may match on them.
 * Checks run in declaration order and the first failing one is reported.
 */
public enum DeadLetterReason {
    /** The record value is null (a tombstone) or has no bytes (or, for JSON, only whitespace). */
    EMPTY,
    /** The record value is longer than the schema's {@code maxRecordBytes}. */
    OVERSIZE,
    /** Not valid JSON, not a JSON object, a required field missing, or a field of the wrong type. */
    UNPARSEABLE,
    /** Wrong number of features or label values (for BINARY format: wrong record length). */
    WRONG_DIMENSION,
    /** NaN or infinity in the features or the label (including float32 overflow such as 1e39). */
    NON_FINITE,
    /** Class index non-integral or outside {@code 0..numClasses-1}, or a binary label not 0/1. */
    INVALID_LABEL,
    /**
     * Valid, but the trainer's divergence guard fired on its mini-batch (a non-finite loss, or a loss
     * far above the running mean for several batches in a row): the model was restored and the
     * batch skipped. Not a validation check; raised by the trainer, after training on it.
     */
    DIVERGED
}
