package dev.streamtrain.eval;

import dev.streamtrain.sample.LabelKind;
import dev.streamtrain.trainer.ModelSpec.Loss;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The metrics of one set of predictions against its labels: the model's own loss and the task
 * metrics of the label kind. REGRESSION: {@code mse}, {@code mae}. BINARY: {@code logLoss},
 * {@code accuracy} (logit &gt; 0 means 1) and {@code rocAuc}, each over all label columns pooled.
 * CLASS: {@code logLoss}, {@code accuracy} and, with more than five classes, {@code top5Accuracy}.
 * A metric that is undefined for the rows (ROC AUC with one class only) is left out rather than
 * reported as NaN, so the JSON stays valid.
 *
 * @param samples rows scored
 * @param loss the mean of the model's training loss over the rows (as torch computes it, in
 *     double precision)
 * @param values the task metrics by name, in a fixed order
 */
public record TaskMetrics(long samples, double loss, Map<String, Double> values) {

    public TaskMetrics {
        values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    /** The label kind whose task metrics go with a model's loss. */
    public static LabelKind labelKindOf(Loss loss) {
        return switch (loss) {
            case MSE -> LabelKind.REGRESSION;
            case BCE_WITH_LOGITS -> LabelKind.BINARY;
            case SOFTMAX_CROSS_ENTROPY -> LabelKind.CLASS;
        };
    }

    /**
     * @param outputs {@code rows * outputDim} raw model outputs (logits for BINARY and CLASS)
     * @param labels {@code rows * outputDim} targets, or one class index per row for CLASS
     */
    public static TaskMetrics compute(
            LabelKind kind, Loss loss, int outputDim, float[] outputs, float[] labels, int rows) {
        if (rows <= 0) {
            throw new IllegalArgumentException("metrics need at least one row, got " + rows);
        }
        Map<String, Double> values = new LinkedHashMap<>();
        switch (kind) {
            case REGRESSION -> {
                values.put("mse", meanSquaredError(outputs, labels, rows * outputDim));
                values.put("mae", meanAbsoluteError(outputs, labels, rows * outputDim));
            }
            case BINARY -> {
                values.put("logLoss", binaryLogLoss(outputs, labels, rows * outputDim));
                values.put("accuracy", binaryAccuracy(outputs, labels, rows * outputDim));
                double auc = RocAuc.of(outputs, labels, rows * outputDim);
                if (!Double.isNaN(auc)) {
                    values.put("rocAuc", auc);
                }
            }
            case CLASS -> {
                values.put("logLoss", ClassScores.logLoss(outputs, labels, rows, outputDim));
                values.put("accuracy", ClassScores.topKAccuracy(outputs, labels, rows, outputDim, 1));
                if (outputDim > 5) {
                    values.put("top5Accuracy", ClassScores.topKAccuracy(outputs, labels, rows, outputDim, 5));
                }
            }
        }
        return new TaskMetrics(rows, loss(loss, outputDim, outputs, labels, rows), values);
    }

    private static double loss(Loss loss, int outputDim, float[] outputs, float[] labels, int rows) {
        return switch (loss) {
            case MSE -> meanSquaredError(outputs, labels, rows * outputDim);
            case BCE_WITH_LOGITS -> binaryLogLoss(outputs, labels, rows * outputDim);
            case SOFTMAX_CROSS_ENTROPY -> ClassScores.logLoss(outputs, labels, rows, outputDim);
        };
    }

    static double meanSquaredError(float[] outputs, float[] labels, int n) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            double d = (double) outputs[i] - labels[i];
            sum += d * d;
        }
        return sum / n;
    }

    static double meanAbsoluteError(float[] outputs, float[] labels, int n) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += Math.abs((double) outputs[i] - labels[i]);
        }
        return sum / n;
    }

    /** mean(softplus(x) - x t), torch's BCEWithLogitsLoss, in its overflow-free form. */
    static double binaryLogLoss(float[] logits, float[] labels, int n) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            double x = logits[i];
            double softplus = Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
            sum += softplus - x * labels[i];
        }
        return sum / n;
    }

    static double binaryAccuracy(float[] logits, float[] labels, int n) {
        long right = 0;
        for (int i = 0; i < n; i++) {
            if ((logits[i] > 0) == (labels[i] > 0.5f)) {
                right++;
            }
        }
        return (double) right / n;
    }
}
