package dev.streamtrain.jobs.serve;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/** Counters of the predictor, served as JSON by {@code GET /metrics}. */
final class ServeMetrics {
    /** Upper bounds of the latency buckets, milliseconds (the last bucket is everything above). */
    private static final double[] BUCKETS_MS = {1, 2, 5, 10, 20, 50, 100, 200, 500, 1000};

    final LongAdder requests = new LongAdder();
    final LongAdder predictions = new LongAdder();
    final LongAdder badRequests = new LongAdder();
    final LongAdder tooLarge = new LongAdder();
    final LongAdder unavailable = new LongAdder();
    final LongAdder errors = new LongAdder();
    final LongAdder rejectedModels = new LongAdder();
    private final LongAdder latencyNanos = new LongAdder();
    private final AtomicLong maxLatencyNanos = new AtomicLong();
    private final AtomicLongArray buckets = new AtomicLongArray(BUCKETS_MS.length + 1);

    void recordPrediction(int rows, long nanos) {
        predictions.add(rows);
        latencyNanos.add(nanos);
        maxLatencyNanos.accumulateAndGet(nanos, Math::max);
        double ms = nanos / 1e6;
        int b = 0;
        while (b < BUCKETS_MS.length && ms > BUCKETS_MS[b]) {
            b++;
        }
        buckets.incrementAndGet(b);
    }

    Map<String, Object> snapshot(ModelSlot slot) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("requests", requests.sum());
        m.put("predictions", predictions.sum());
        m.put("badRequests", badRequests.sum());
        m.put("tooLarge", tooLarge.sum());
        m.put("unavailable", unavailable.sum());
        m.put("errors", errors.sum());
        long answered = 0;
        Map<String, Long> histogram = new LinkedHashMap<>();
        for (int b = 0; b < buckets.length(); b++) {
            answered += buckets.get(b);
            histogram.put(b < BUCKETS_MS.length ? "le" + (long) BUCKETS_MS[b] + "ms" : "above", buckets.get(b));
        }
        m.put("predictRequests", answered);
        m.put("latencyMeanMillis", answered == 0 ? 0 : latencyNanos.sum() / 1e6 / answered);
        m.put("latencyMaxMillis", maxLatencyNanos.get() / 1e6);
        m.put("latencyHistogram", histogram);
        ServedModel current = slot.peek();
        m.put("currentEpoch", current == null ? null : current.epoch);
        m.put("currentAttempt", current == null ? null : current.attempt);
        m.put("swaps", slot.swaps());
        m.put("secondsSinceLastSwap", slot.secondsSinceLastSwap());
        m.put("rejectedModels", rejectedModels.sum());
        return m;
    }
}
