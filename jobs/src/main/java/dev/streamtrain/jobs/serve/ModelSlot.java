package dev.streamtrain.jobs.serve;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/** The model being served, swapped atomically: a request sees the old or the new version, never a mix. */
final class ModelSlot {
    private final AtomicReference<ServedModel> current = new AtomicReference<>();
    private final AtomicLong swaps = new AtomicLong();
    private volatile long lastSwapNanos;

    /** The current model, retained for the caller (who must release it), or null when none is loaded yet. */
    ServedModel acquire() {
        while (true) {
            ServedModel m = current.get();
            if (m == null || m.retain()) {
                return m;
            }
            // swapped and closed between the read and the retain: read the newer one
        }
    }

    /** The current model without retaining it: for reading its description only. */
    ServedModel peek() {
        return current.get();
    }

    void swap(ServedModel next) {
        ServedModel old = current.getAndSet(next);
        lastSwapNanos = System.nanoTime();
        swaps.incrementAndGet();
        if (old != null) {
            old.release(); // closes it once its last request is done
        }
    }

    long swaps() {
        return swaps.get();
    }

    /** Seconds since the last swap, or -1 before the first. */
    double secondsSinceLastSwap() {
        return swaps.get() == 0 ? -1 : (System.nanoTime() - lastSwapNanos) / 1e9;
    }

    /** Lets go of the current model (at shutdown, after the server stopped taking requests). */
    void clear() {
        ServedModel old = current.getAndSet(null);
        if (old != null) {
            old.release();
        }
    }
}
