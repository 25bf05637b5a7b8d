package dev.streamtrain.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.streamtrain.sample.LabelKind;
import dev.streamtrain.trainer.ModelSpec.Loss;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TaskMetricsTest {
    private static final double EPS = 1e-12;

    @Test
    void regression() {
        float[] out = {1f, 2f, 4f};
        float[] labels = {0f, 2f, 1f};
        TaskMetrics m = TaskMetrics.compute(LabelKind.REGRESSION, Loss.MSE, 1, out, labels, 3);
        assertEquals(3, m.samples());
        assertEquals((1 + 0 + 9) / 3.0, m.values().get("mse"), EPS);
        assertEquals((1 + 0 + 3) / 3.0, m.values().get("mae"), EPS);
        assertEquals(m.values().get("mse"), m.loss(), EPS, "the loss of an MSE model is its MSE");
        assertEquals(List.of("mse", "mae"), List.copyOf(m.values().keySet()));
    }

    @Test
    void binaryAgainstHandComputedValues() {
        // scikit-learn's roc_auc_score example: y = [0, 0, 1, 1], scores [0.1, 0.4, 0.35, 0.8] → 0.75
        float[] logits = {0.1f, 0.4f, 0.35f, 0.8f};
        float[] labels = {0f, 0f, 1f, 1f};
        TaskMetrics m = TaskMetrics.compute(LabelKind.BINARY, Loss.BCE_WITH_LOGITS, 1, logits, labels, 4);
        assertEquals(0.75, m.values().get("rocAuc"), EPS);
        assertEquals(0.5, m.values().get("accuracy"), EPS, "every logit is > 0, so every row says 1");
        double expected = 0;
        for (int i = 0; i < 4; i++) {
            double p = 1 / (1 + Math.exp(-logits[i]));
            expected -= labels[i] == 1f ? Math.log(p) : Math.log(1 - p);
        }
        assertEquals(expected / 4, m.values().get("logLoss"), 1e-9);
        assertEquals(m.values().get("logLoss"), m.loss(), EPS);
    }

    @Test
    void aucCountsTiesAsOneHalfAndIsLeftOutForOneClass() {
        float[] tied = {0.5f, 0.5f, 0.5f, 0.5f};
        TaskMetrics m =
                TaskMetrics.compute(LabelKind.BINARY, Loss.BCE_WITH_LOGITS, 1, tied, new float[] {0, 1, 0, 1}, 4);
        assertEquals(0.5, m.values().get("rocAuc"), EPS);
        TaskMetrics oneClass =
                TaskMetrics.compute(LabelKind.BINARY, Loss.BCE_WITH_LOGITS, 1, tied, new float[] {1, 1, 1, 1}, 4);
        assertFalse(oneClass.values().containsKey("rocAuc"), "undefined, so not reported: " + oneClass);
    }

    @Test
    void aucEqualsTheShareOfRightlyOrderedPairs() {
        Random random = new Random(11);
        int n = 300;
        float[] scores = new float[n];
        float[] labels = new float[n];
        for (int i = 0; i < n; i++) {
            labels[i] = random.nextBoolean() ? 1 : 0;
            scores[i] = Math.round((labels[i] + random.nextGaussian()) * 4) / 4f; // coarse: many ties
        }
        double pairs = 0;
        double right = 0;
        for (int p = 0; p < n; p++) {
            for (int q = 0; q < n; q++) {
                if (labels[p] == 1 && labels[q] == 0) {
                    pairs++;
                    right += scores[p] > scores[q] ? 1 : scores[p] == scores[q] ? 0.5 : 0;
                }
            }
        }
        TaskMetrics m = TaskMetrics.compute(LabelKind.BINARY, Loss.BCE_WITH_LOGITS, 1, scores, labels, n);
        assertEquals(right / pairs, m.values().get("rocAuc"), 1e-12);
    }

    @Test
    void logLossStaysFiniteForLargeLogits() {
        TaskMetrics m = TaskMetrics.compute(
                LabelKind.BINARY, Loss.BCE_WITH_LOGITS, 1, new float[] {1000f, -1000f}, new float[] {0, 1}, 2);
        assertEquals(1000.0, m.values().get("logLoss"), 1e-9);
    }

    @Test
    void classesWithTopFive() {
        int classes = 7;
        float[] logits = new float[2 * classes];
        // row 0: class 3 is the best → right; row 1: class 6 is fifth best → top-5 hit, top-1 miss
        for (int c = 0; c < classes; c++) {
            logits[c] = c == 3 ? 5f : 0f;
            logits[classes + c] = classes - c; // 7, 6, 5, 4, 3, 2, 1
        }
        logits[classes + 6] = 3.5f; // between class 3 (4) and class 4 (3): rank 5
        float[] labels = {3f, 6f};
        TaskMetrics m = TaskMetrics.compute(LabelKind.CLASS, Loss.SOFTMAX_CROSS_ENTROPY, classes, logits, labels, 2);
        assertEquals(0.5, m.values().get("accuracy"), EPS);
        assertEquals(1.0, m.values().get("top5Accuracy"), EPS);
        double row0 = Math.log(Math.exp(5) + 6) - 5;
        double row1 = Math.log(Math.exp(7)
                        + Math.exp(6)
                        + Math.exp(5)
                        + Math.exp(4)
                        + Math.exp(3)
                        + Math.exp(2)
                        + Math.exp(3.5))
                - 3.5;
        assertEquals((row0 + row1) / 2, m.values().get("logLoss"), 1e-9);
    }

    @Test
    void topFiveOnlyWithMoreThanFiveClasses() {
        TaskMetrics m = TaskMetrics.compute(
                LabelKind.CLASS, Loss.SOFTMAX_CROSS_ENTROPY, 3, new float[] {1, 2, 3}, new float[] {2}, 1);
        assertEquals(List.of("logLoss", "accuracy"), List.copyOf(m.values().keySet()));
    }

    @Test
    void aTieWithTheTrueClassIsNoHit() {
        TaskMetrics m = TaskMetrics.compute(
                LabelKind.CLASS, Loss.SOFTMAX_CROSS_ENTROPY, 2, new float[] {0, 0}, new float[] {1}, 1);
        assertEquals(0.0, m.values().get("accuracy"), EPS);
    }

    @Test
    void noRowsIsAnError() {
        assertThrows(
                IllegalArgumentException.class,
                () -> TaskMetrics.compute(LabelKind.REGRESSION, Loss.MSE, 1, new float[0], new float[0], 0));
    }
}
