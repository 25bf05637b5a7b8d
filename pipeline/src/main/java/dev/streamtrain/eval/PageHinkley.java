package dev.streamtrain.eval;

import java.io.Serializable;
import java.nio.ByteBuffer;

/**
 * The Page-Hinkley test for an increase of the mean of a stream (here: the prequential loss of
 * each batch). With x̄ the running mean, m = Σ (x - x̄ - delta) and M = min m, it signals when
 * m - M &gt; threshold, then starts over, so one shift gives one signal. Detection only: what to
 * do about it is the reader's choice.
 *
 * <p>The detector is a value: {@link #add} returns the next one, so the operator can keep it in
 * its state and a restored run detects at exactly the same batch.
 *
 * @param count observations since the last signal (or the start)
 * @param mean their running mean
 * @param cumulative m, the sum of deviations above the mean less delta
 * @param minimum M, the smallest m so far
 */
public record PageHinkley(long count, double mean, double cumulative, double minimum) {

    /** What the detector is tuned with (job keys {@code eval.drift-*}). */
    public record Settings(double delta, double threshold, long minSamples) implements Serializable {
        public Settings {
            if (!(delta >= 0) || !(threshold > 0) || minSamples < 1) {
                throw new IllegalArgumentException("drift detection needs eval.drift-delta >= 0, "
                        + "eval.drift-threshold > 0 and eval.drift-min-batches >= 1, got delta=" + delta
                        + ", threshold=" + threshold + ", min batches=" + minSamples);
            }
        }
    }

    public static PageHinkley start() {
        return new PageHinkley(0, 0, 0, 0);
    }

    /** m - M: how far the sum rose above its lowest point. */
    public double statistic() {
        return cumulative - minimum;
    }

    /** The detector after {@code x}; {@link #drifted} tells whether {@code x} completed a signal. */
    public PageHinkley add(double x, Settings settings) {
        long n = count + 1;
        double nextMean = mean + (x - mean) / n;
        double nextCumulative = cumulative + x - nextMean - settings.delta();
        return new PageHinkley(n, nextMean, nextCumulative, Math.min(minimum, nextCumulative));
    }

    /** count, mean, cumulative and minimum, big-endian (the operator's state bytes). */
    public byte[] toBytes() {
        return ByteBuffer.allocate(32)
                .putLong(count)
                .putDouble(mean)
                .putDouble(cumulative)
                .putDouble(minimum)
                .array();
    }

    public static PageHinkley fromBytes(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        return new PageHinkley(in.getLong(), in.getDouble(), in.getDouble(), in.getDouble());
    }

    /** Whether this state signals drift; the caller then goes on from {@link #start()}. */
    public boolean drifted(Settings settings) {
        return count >= settings.minSamples() && statistic() > settings.threshold();
    }
}
