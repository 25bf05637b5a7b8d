package dev.streamtrain.jobs;

import dev.streamtrain.sample.SampleBlock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.state.CheckpointListener;

/**
 * Throws once, on the first sample after checkpoint {@code afterCheckpoint} completed; until then
 * also paces the stream (a pause every {@code paceEvery} samples) so that a small test input spans
 * several checkpoints. Once it has thrown, the recovery runs unpaced: what follows the failure
 * needs no more checkpoints to be what it is, only time. The "already failed" flag is static
 * (keyed by test id): it must survive the restart.
 */
final class FailOnceAfterCheckpoint implements MapFunction<SampleBlock, SampleBlock>, CheckpointListener {
    private static final long serialVersionUID = 1L;
    static final Map<String, AtomicBoolean> FAILED = new ConcurrentHashMap<>();

    private final String id;
    private final long afterCheckpoint;
    private final int paceEvery;
    private transient volatile boolean armed;
    private transient long seen;

    /** Never fails and never paces: the same operator in the chain as a failing run's, at full speed. */
    static FailOnceAfterCheckpoint passThrough(String id) {
        return new FailOnceAfterCheckpoint(id, -1, 0);
    }

    /** {@code afterCheckpoint < 0}: never fail, only pace; {@code paceEvery <= 0}: never pace. */
    FailOnceAfterCheckpoint(String id, long afterCheckpoint, int paceEvery) {
        this.id = id;
        this.afterCheckpoint = afterCheckpoint;
        this.paceEvery = paceEvery;
        FAILED.putIfAbsent(id, new AtomicBoolean());
    }

    @Override
    public SampleBlock map(SampleBlock s) throws Exception {
        if (armed && FAILED.get(id).compareAndSet(false, true)) {
            throw new IllegalStateException("injected failure after checkpoint " + afterCheckpoint);
        }
        long before = seen;
        seen += s.rows();
        if (paceEvery <= 0 || FAILED.get(id).get()) {
            return s;
        }
        for (long k = before / paceEvery; k < seen / paceEvery; k++) {
            Thread.sleep(2); // pacing (a pause per paceEvery samples), not waiting for anything
        }
        return s;
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) {
        if (afterCheckpoint >= 0 && checkpointId >= afterCheckpoint) {
            armed = true;
        }
    }

    static boolean failed(String id) {
        return FAILED.get(id).get();
    }
}
