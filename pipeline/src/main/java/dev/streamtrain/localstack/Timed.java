package dev.streamtrain.localstack;

import java.util.concurrent.CompletionException;

/** A value and how long it took to get it. */
record Timed<T>(T value, long millis) {
    interface Start<T> {
        T get() throws Exception;
    }

    static <T> Timed<T> of(Start<T> start) {
        long t0 = System.nanoTime();
        try {
            T value = start.get();
            return new Timed<>(value, (System.nanoTime() - t0) / 1_000_000);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new CompletionException(e);
        }
    }
}
