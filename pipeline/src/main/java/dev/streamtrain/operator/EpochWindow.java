package dev.streamtrain.operator;

import dev.streamtrain.store.Manifest;
import java.util.HashMap;
import java.util.Map;

/**
 * The epoch-window being trained: which epoch it is, what it has seen so far. Operator state (a
 * Flink POJO). A window closes after {@code epoch.samples} trained samples (at the batch boundary
 * that reaches it, so windows never split a batch), or — in event-time mode — when the watermark
 * passes {@link #endMillis}.
 */
public class EpochWindow {
    public long epoch;
    public long samples;
    public long batches;
    public double lossSum;
    /** "topic-partition" → first and last offset trained in this window. */
    public Map<String, long[]> offsets = new HashMap<>();
    /**
     * "topic-partition" → the offset after the last sample the trainer consumed in the run so far,
     * this window and every one before (carried from window to window, and kept when the guard
     * restarts a window: the skipped samples were consumed). An epoch artifact records it as the
     * offsets to continue from. States of builds before it restore with it empty.
     */
    public Map<String, Long> nextOffsets = new HashMap<>();

    public long minEventTime = Long.MAX_VALUE;
    public long maxEventTime = Long.MIN_VALUE;
    /** Event-time mode: exclusive end of the window; Long.MIN_VALUE until the first sample fixes it. */
    public long endMillis = Long.MIN_VALUE;

    public EpochWindow() {}

    static EpochWindow first() {
        EpochWindow w = new EpochWindow();
        w.epoch = 1;
        return w;
    }

    EpochWindow next(long spanMillis) {
        EpochWindow w = new EpochWindow();
        w.epoch = epoch + 1;
        w.nextOffsets = new HashMap<>(nextOffsets);
        if (spanMillis > 0 && endMillis != Long.MIN_VALUE) {
            w.endMillis = endMillis + spanMillis;
        }
        return w;
    }

    /** The same epoch from scratch (the guard restored the weights it started from); the same end. */
    EpochWindow restart() {
        EpochWindow w = new EpochWindow();
        w.epoch = epoch;
        w.endMillis = endMillis;
        w.nextOffsets = new HashMap<>(nextOffsets);
        return w;
    }

    /** Rows of one partition: their offset range (offsets < 0: no Kafka source) and event-time range. */
    void addTrained(String topic, int partition, long firstOffset, long lastOffset, long minTime, long maxTime) {
        if (topic != null && firstOffset >= 0) {
            long[] range = offsets.computeIfAbsent(
                    Manifest.partitionKey(topic, partition), k -> new long[] {firstOffset, lastOffset});
            range[0] = Math.min(range[0], firstOffset);
            range[1] = Math.max(range[1], lastOffset);
            nextOffsets.merge(Manifest.partitionKey(topic, partition), lastOffset + 1, Math::max);
        }
        minEventTime = Math.min(minEventTime, minTime);
        maxEventTime = Math.max(maxEventTime, maxTime);
    }

    Map<String, Manifest.OffsetRange> offsetRanges() {
        Map<String, Manifest.OffsetRange> out = new HashMap<>();
        offsets.forEach((k, v) -> out.put(k, new Manifest.OffsetRange(v[0], v[1])));
        return out;
    }

    Manifest.EventTimeRange eventTimeRange() {
        return minEventTime == Long.MAX_VALUE ? null : new Manifest.EventTimeRange(minEventTime, maxEventTime);
    }
}
