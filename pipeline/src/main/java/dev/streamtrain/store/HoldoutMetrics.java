package dev.streamtrain.store;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Map;

/**
 * The holdout metrics of a window ({@code metrics.holdout}): the model's loss and the task
 * metrics of its label kind over the rows; a metric that does not apply (or is undefined for the
 * rows, such as ROC AUC over one class) is absent.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record HoldoutMetrics(
        long samples,
        double loss,
        Double mse,
        Double mae,
        Double logLoss,
        Double accuracy,
        Double rocAuc,
        Double top5Accuracy) {
    /** {@code samples}, {@code loss} and the task metrics by their {@code TaskMetrics} names. */
    public static HoldoutMetrics of(long samples, double loss, Map<String, Double> task) {
        return new HoldoutMetrics(
                samples,
                loss,
                task.get("mse"),
                task.get("mae"),
                task.get("logLoss"),
                task.get("accuracy"),
                task.get("rocAuc"),
                task.get("top5Accuracy"));
    }
}
