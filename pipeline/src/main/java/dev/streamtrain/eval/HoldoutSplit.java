package dev.streamtrain.eval;

/**
 * Which records are never trained on. The choice is a function of the record's Kafka partition
 * and offset only, so it is the same after a failure, a rollback and in another run over the same
 * topic. The hash (SplitMix64's finalizer over partition and offset) is part of the contract: a
 * different hash would hold out other records in a restored run.
 */
public final class HoldoutSplit {
    private static final double TWO_POW_53 = 0x1p53;

    private final double fraction;

    private HoldoutSplit(double fraction) {
        this.fraction = fraction;
    }

    /** {@code fraction} of the records, in [0, 1); 0 holds out nothing. */
    public static HoldoutSplit of(double fraction) {
        if (!(fraction >= 0 && fraction < 1)) {
            throw new IllegalArgumentException(
                    "eval.holdout-fraction must be in [0, 1) (0 disables the holdout), got " + fraction);
        }
        return new HoldoutSplit(fraction);
    }

    public double fraction() {
        return fraction;
    }

    public boolean enabled() {
        return fraction > 0;
    }

    public boolean isHoldout(int partition, long offset) {
        return fraction > 0 && uniform(partition, offset) < fraction;
    }

    /** A value in [0, 1) that depends only on the record's place in the topic. */
    static double uniform(int partition, long offset) {
        long z = offset + 0x9E3779B97F4A7C15L * (partition + 1L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z = z ^ (z >>> 31);
        return (z >>> 11) / TWO_POW_53;
    }
}
