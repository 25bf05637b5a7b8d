package dev.streamtrain.eval;

import dev.streamtrain.sample.LabelKind;
import java.io.Serializable;
import java.util.List;
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
public record PromotionGate(String metric, boolean higherIsBetter, double tolerance, boolean always)
        implements Serializable {

    /** The metric every label kind has: the model's own loss on the holdout rows. */
    public static final String LOSS = "loss";

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
     * A gate on a holdout metric ({@code store.promote-mode=metric}), checked against the label kind.
     *
     * @param higherIsBetter the direction; null: the metric's own ({@link #higherIsBetterByDefault})
     * @throws IllegalArgumentException naming the metrics the label kind has, when {@code metric} is not one
     */
    public static PromotionGate onMetric(String metric, LabelKind kind, Boolean higherIsBetter, double tolerance) {
        List<String> known = metricsOf(kind);
        if (!known.contains(metric)) {
            throw new IllegalArgumentException("store.promote-metric '" + metric + "' is not a holdout metric of "
                    + kind + " labels; use one of " + known);
        }
        boolean direction = higherIsBetter != null ? higherIsBetter : higherIsBetterByDefault(metric);
        return new PromotionGate(metric, direction, tolerance, false);
    }

    /** The holdout metrics of a label kind, as {@link TaskMetrics} names them, {@link #LOSS} first. */
    public static List<String> metricsOf(LabelKind kind) {
        return switch (kind) {
            case REGRESSION -> List.of(LOSS, "mse", "mae");
            case BINARY -> List.of(LOSS, "logLoss", "accuracy", "rocAuc");
            case CLASS -> List.of(LOSS, "logLoss", "accuracy", "top5Accuracy");
        };
    }

    /** Losses and errors are better lower; accuracies and ROC AUC higher. */
    public static boolean higherIsBetterByDefault(String metric) {
        return switch (metric) {
            case "accuracy", "rocAuc", "top5Accuracy" -> true;
            default -> false;
        };
    }

    /** The gated metric of a window's holdout metrics; empty when the window had none or lacks it. */
    public OptionalDouble valueOf(TaskMetrics holdout) {
        if (holdout == null) {
            return OptionalDouble.empty();
        }
        Double value = LOSS.equals(metric)
                ? Double.valueOf(holdout.loss())
                : holdout.values().get(metric);
        return value == null || !Double.isFinite(value) ? OptionalDouble.empty() : OptionalDouble.of(value);
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
