package dev.streamtrain.operator;

import dev.streamtrain.sample.SampleSchema;
import java.io.Serializable;

/**
 * The divergence guard's thresholds ({@link DivergenceGuard}). Job keys {@code guard.*}.
 *
 * @param enabled            false: every loss is accepted, nothing is restored
 * @param lossMultiple       a finite batch loss above this multiple of the running mean is suspect
 * @param consecutiveBatches this many suspect batches in a row make the guard fire; a non-finite loss
 *                           fires at once
 * @param meanBatches        the running mean averages about this many recent accepted batches (a plain
 *                           mean of the first ones, then an exponential mean with weight 1/meanBatches);
 *                           the ratio test starts once this many batches were accepted
 * @param deadLetterSchema   how a dead-lettered sample is written back into a record value (the job's
 *                           sample format); null: little-endian float32 features then labels (BINARY)
 */
public record GuardSettings(
        boolean enabled, double lossMultiple, int consecutiveBatches, int meanBatches, SampleSchema deadLetterSchema)
        implements Serializable {

    public static final double DEFAULT_LOSS_MULTIPLE = 10.0;
    public static final int DEFAULT_CONSECUTIVE_BATCHES = 3;
    public static final int DEFAULT_MEAN_BATCHES = 50;

    public GuardSettings {
        if (!(lossMultiple > 1.0) || Double.isInfinite(lossMultiple)) {
            throw new IllegalArgumentException("guard loss multiple must be a finite number > 1, got " + lossMultiple);
        }
        if (consecutiveBatches < 1) {
            throw new IllegalArgumentException("guard consecutive batches must be >= 1, got " + consecutiveBatches);
        }
        if (meanBatches < 1) {
            throw new IllegalArgumentException("guard mean batches must be >= 1, got " + meanBatches);
        }
    }

    /** On, with the documented thresholds. */
    public static GuardSettings defaults() {
        return new GuardSettings(true, DEFAULT_LOSS_MULTIPLE, DEFAULT_CONSECUTIVE_BATCHES, DEFAULT_MEAN_BATCHES, null);
    }

    public static GuardSettings disabled() {
        return new GuardSettings(false, DEFAULT_LOSS_MULTIPLE, DEFAULT_CONSECUTIVE_BATCHES, DEFAULT_MEAN_BATCHES, null);
    }

    public GuardSettings withDeadLetterSchema(SampleSchema schema) {
        return new GuardSettings(enabled, lossMultiple, consecutiveBatches, meanBatches, schema);
    }
}
