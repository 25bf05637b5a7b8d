package dev.streamtrain.localstack;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waits on a condition with a deadline — never a bare sleep. */
public final class Await {
    private Await() {}

    /**
     * Polls {@code condition} every {@code pollMillis} until it holds; fails with {@code what} once
     * {@code timeout} has passed. Exceptions from the condition count as "not yet".
     */
    public static void until(Duration timeout, long pollMillis, String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        RuntimeException last = null;
        while (true) {
            try {
                if (condition.getAsBoolean()) {
                    return;
                }
            } catch (RuntimeException e) {
                last = e;
            }
            if (System.nanoTime() > deadline) {
                IllegalStateException err =
                        new IllegalStateException("timed out after " + timeout.toSeconds() + " s waiting for " + what);
                if (last != null) {
                    err.initCause(last);
                }
                throw err;
            }
            try {
                Thread.sleep(pollMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted waiting for " + what, e);
            }
        }
    }
}
