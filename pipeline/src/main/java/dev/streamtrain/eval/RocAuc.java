package dev.streamtrain.eval;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * ROC AUC as the Mann-Whitney statistic: the chance that a random positive scores above a random
 * negative, ties counting one half (mid-ranks), which equals the trapezoid area under the ROC
 * curve that scikit-learn's roc_auc_score computes.
 */
final class RocAuc {
    private RocAuc() {}

    /** NaN when the labels hold only one class. */
    static double of(float[] scores, float[] labels, int n) {
        Integer[] order = IntStream.range(0, n).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingDouble(i -> scores[i]));
        double positiveRankSum = 0;
        long positives = 0;
        int i = 0;
        while (i < n) {
            int j = i;
            while (j + 1 < n && scores[order[j + 1]] == scores[order[i]]) {
                j++;
            }
            double midRank = (i + j) / 2.0 + 1; // ranks are 1-based
            for (int t = i; t <= j; t++) {
                if (labels[order[t]] > 0.5f) {
                    positiveRankSum += midRank;
                    positives++;
                }
            }
            i = j + 1;
        }
        long negatives = n - positives;
        if (positives == 0 || negatives == 0) {
            return Double.NaN;
        }
        return (positiveRankSum - positives * (positives + 1) / 2.0) / ((double) positives * negatives);
    }
}
