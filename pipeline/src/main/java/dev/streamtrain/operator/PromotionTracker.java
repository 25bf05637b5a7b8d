package dev.streamtrain.operator;

import dev.streamtrain.eval.PromotionGate;
import dev.streamtrain.eval.TaskMetrics;
import java.nio.ByteBuffer;
import java.util.OptionalDouble;

/**
 * Decides, as each window closes on the task thread, whether its epoch becomes {@code latest}
 * ({@link PromotionGate}), and remembers the promoted epoch's metric for the next decision. The
 * metric is operator state ({@link TrainerOperatorState#PROMOTED_STATE}): a restore judges the next
 * window against the same epoch, so the decisions are the same as in a run without failure.
 */
final class PromotionTracker {
    private final PromotionGate gate;
    /** The gated metric of the promoted epoch; empty before one (or when it had none: mode always). */
    private OptionalDouble promoted;

    private PromotionTracker(PromotionGate gate, OptionalDouble promoted) {
        this.gate = gate;
        this.promoted = promoted;
    }

    /** {@code saved} null or empty: nothing promoted yet (a fresh start, or a snapshot of an older build). */
    static PromotionTracker restore(PromotionGate gate, byte[] saved) {
        if (saved == null || saved.length == 0) {
            return new PromotionTracker(gate, OptionalDouble.empty());
        }
        if (saved.length != Double.BYTES) {
            throw new IllegalStateException("operator state '" + TrainerOperatorState.PROMOTED_STATE + "' holds "
                    + saved.length + " bytes, expected " + Double.BYTES);
        }
        return new PromotionTracker(
                gate, OptionalDouble.of(ByteBuffer.wrap(saved).getDouble()));
    }

    /** Judges a closed window by its holdout metrics (null: it had no holdout rows); a promotion is remembered. */
    PromotionGate.Verdict judge(TaskMetrics holdout) {
        OptionalDouble candidate = gate.valueOf(holdout);
        PromotionGate.Verdict verdict = gate.judge(candidate, promoted);
        if (verdict.promoted()) {
            promoted = candidate;
        }
        return verdict;
    }

    OptionalDouble promotedMetric() {
        return promoted;
    }

    /** Empty when nothing was promoted with a metric, else the metric as a big-endian double. */
    byte[] toBytes() {
        return promoted.isEmpty()
                ? new byte[0]
                : ByteBuffer.allocate(Double.BYTES)
                        .putDouble(promoted.getAsDouble())
                        .array();
    }
}
