package dev.streamtrain.operator;

import dev.streamtrain.store.Manifest;
import java.util.HashMap;
import java.util.Map;

/**
 * One stretch of divergence: from the guard's first firing to the next accepted batch. Every firing
 * in it restored the same last good window; the episode becomes one {@code diverged} event when it
 * ends. Part of the guard's operator state, as JSON (a plain bean, like {@link EpochWindow}).
 */
public class DivergenceEpisode {
    /** The epoch whose closing weights were restored (0: the initial weights). */
    public long restoredEpoch;
    /** What fired first: {@link DivergenceGuard#NON_FINITE_LOSS}, {@link DivergenceGuard#LOSS_SPIKE} or {@link DivergenceGuard#NON_FINITE_WEIGHTS}. */
    public String trigger;
    /** The loss of the batch that fired first (NaN or an infinity for non-finite losses). */
    public double loss;
    /** The running mean of accepted losses when it fired. */
    public double runningMean;

    public int firings;
    /** Samples dead-lettered with reason DIVERGED. */
    public long skippedSamples;
    /** "topic-partition" → first and last offset dead-lettered. */
    public Map<String, long[]> skippedOffsets = new HashMap<>();
    /** Samples trained since the restored window that the restore took out of the model (skipped ones included). */
    public long discardedSamples;

    public DivergenceEpisode() {}

    void skipped(String topic, int partition, long offset) {
        skippedSamples++;
        if (topic != null && offset >= 0) {
            long[] range = skippedOffsets.computeIfAbsent(
                    Manifest.partitionKey(topic, partition), k -> new long[] {offset, offset});
            range[0] = Math.min(range[0], offset);
            range[1] = Math.max(range[1], offset);
        }
    }

    Map<String, Manifest.OffsetRange> skippedOffsetRanges() {
        Map<String, Manifest.OffsetRange> out = new HashMap<>();
        skippedOffsets.forEach((k, v) -> out.put(k, new Manifest.OffsetRange(v[0], v[1])));
        return out;
    }
}
