package dev.streamtrain.eval;

/** The CLASS metrics over rows of logits with one class index per row. */
final class ClassScores {
    private ClassScores() {}

    /** -mean(log_softmax(x)[t]), torch's CrossEntropyLoss with class-index targets. */
    static double logLoss(float[] logits, float[] classes, int rows, int numClasses) {
        double sum = 0;
        for (int r = 0; r < rows; r++) {
            int base = r * numClasses;
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < numClasses; c++) {
                max = Math.max(max, logits[base + c]);
            }
            double sumExp = 0;
            for (int c = 0; c < numClasses; c++) {
                sumExp += Math.exp(logits[base + c] - max);
            }
            double logSumExp = max + Math.log(sumExp);
            sum += logSumExp - logits[base + (int) classes[r]];
        }
        return sum / rows;
    }

    /**
     * The share of rows whose class is among the {@code k} highest logits. A tie with the true
     * class's logit counts against it, so a constant model never scores by luck.
     */
    static double topKAccuracy(float[] logits, float[] classes, int rows, int numClasses, int k) {
        long hits = 0;
        for (int r = 0; r < rows; r++) {
            int base = r * numClasses;
            float truth = logits[base + (int) classes[r]];
            int notBelow = 0;
            for (int c = 0; c < numClasses; c++) {
                if (c != (int) classes[r] && logits[base + c] >= truth) {
                    notBelow++;
                }
            }
            if (notBelow < k) {
                hits++;
            }
        }
        return (double) hits / rows;
    }
}
