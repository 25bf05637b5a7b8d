package dev.streamtrain.eval;

import java.util.Objects;
import java.util.OptionalDouble;

/**
 * Whether a new epoch may become {@code latest}: always (the behaviour before evaluation), or only
 * when its holdout metric is not worse than the promoted epoch's by more than a tolerance.
 *
 * @param metric the holdout metric compared ({@code loss}, or a task metric such as {@code rocAuc})
 * @param higherIsBetter its direction
 * @param tolerance how much worse than the promoted epoch a new one may be, in the metric's units
 * @param always promote every epoch, judging nothing
 */
public record PromotionGate(String metric, boolean higherIsBetter, double tolerance, boolean always) {

    /** Why an epoch was or was not promoted, as the event and manifest say it. */
    public record Verdict(boolean promoted, String reason) {}

    public PromotionGate {
        Objects.requireNonNull(metric, "metric");
        if (!(tolerance >= 0)) {
            throw new IllegalArgumentException("store.promote-tolerance must be >= 0, got " + tolerance);
        }
    }

    public static PromotionGate promoteAlways() {
        return new PromotionGate("loss", false, 0, true);
    }

    /**
     * @param candidate the new epoch's metric, empty when it has none (no holdout rows)
     * @param promoted the promoted epoch's metric, empty when nothing was promoted yet
     */
    public Verdict judge(OptionalDouble candidate, OptionalDouble promoted) {
        if (always) {
            return new Verdict(true, "store.promote-mode=always");
        }
        if (candidate.isEmpty()) {
            return new Verdict(false, "no holdout " + metric + " for this epoch (no holdout samples in its window)");
        }
        if (promoted.isEmpty()) {
            return new Verdict(true, "first epoch with a holdout " + metric);
        }
        double now = candidate.getAsDouble();
        double before = promoted.getAsDouble();
        double worseBy = higherIsBetter ? before - now : now - before;
        String compared =
                String.format("holdout %s %.6g vs promoted %.6g (tolerance %.6g)", metric, now, before, tolerance);
        return worseBy <= tolerance ? new Verdict(true, compared) : new Verdict(false, compared + ": worse");
    }
}
