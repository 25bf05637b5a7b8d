package dev.streamtrain.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The trainer against numbers computed by hand in plain Java (double precision): the update
 * rules must be torch's, not merely "some Adam", or models trained here would diverge from the
 * same recipe in PyTorch.
 */
class DjlTrainerMathTest {

    // 4 rows, 3 inputs, 2 outputs: a LINEAR model with a non-square [out, in] weight.
    private static final int ROWS = 4;
    private static final int IN = 3;
    private static final int OUT = 2;
    private static final float[] X = {0.5f, -1.0f, 2.0f, 1.5f, 0.25f, -0.5f, -2.0f, 1.0f, 0.75f, 0.0f, -0.5f, 1.25f};
    private static final float[] Y = {1.0f, -1.0f, 0.5f, 2.0f, -1.5f, 0.0f, 0.25f, 1.0f};

    private static ModelSpec linear(ModelSpec.Optimizer optimizer, float lr) {
        return ModelSpec.builder()
                .kind(ModelSpec.Kind.LINEAR)
                .inputDim(IN)
                .outputDim(OUT)
                .optimizer(optimizer)
                .learningRate(lr)
                .batchSize(ROWS)
                .seed(99)
                .device(ModelSpec.DeviceChoice.CPU)
                .build();
    }

    @Test
    void adamStepsMatchTorchOptimAdamComputedByHand() {
        double lr = 0.1;
        try (DjlTrainer trainer = DjlTrainer.create(linear(ModelSpec.Optimizer.ADAM, (float) lr))) {
            double[] w = toDouble(trainer.snapshot().parameters().get(0).values()); // [OUT, IN]
            double[] b = toDouble(trainer.snapshot().parameters().get(1).values());
            double[] mW = new double[w.length];
            double[] vW = new double[w.length];
            double[] mB = new double[b.length];
            double[] vB = new double[b.length];

            // Three steps on the same batch exercise the bias corrections of steps 1, 2 and 3.
            for (int t = 1; t <= 3; t++) {
                double[] gW = new double[w.length];
                double[] gB = new double[b.length];
                double expectedLoss = mseAndGradients(w, b, gW, gB);

                float loss = trainer.trainBatch(X, Y, ROWS);

                assertEquals(expectedLoss, loss, 1e-6 * Math.max(1, expectedLoss), "loss, step " + t);
                torchAdam(w, gW, mW, vW, lr, t);
                torchAdam(b, gB, mB, vB, lr, t);
                TrainerState state = trainer.snapshot();
                assertClose(w, state.parameters().get(0).values(), 2e-6, "weight, step " + t);
                assertClose(b, state.parameters().get(1).values(), 2e-6, "bias, step " + t);
                assertClose(mW, state.parameters().get(0).firstMoment(), 1e-6, "exp_avg, step " + t);
                assertClose(vW, state.parameters().get(0).secondMoment(), 1e-6, "exp_avg_sq, step " + t);
                assertEquals(t, state.steps());
            }
        }
    }

    /**
     * With gradients near eps, where eps sits matters: torch adds eps to √v̂ (the
     * bias-corrected second moment); DJL's own Adam adds it to the uncorrected √v, which would
     * make this first step about 9x smaller. Zero features make the bias gradient exactly
     * (b - y), here 2^-25 ≈ 3e-8, and the weight gradient exactly 0.
     */
    @Test
    void adamAppliesEpsilonWhereTorchDoes() {
        double lr = 0.1;
        ModelSpec spec = linear(ModelSpec.Optimizer.ADAM, (float) lr);
        float[] weight = {0.25f, -0.5f, 0.75f, 1f, -1f, 0.5f};
        float[] bias = {0.5f, 0.5f};
        TrainerState start = new TrainerState(
                ModelSpec.Optimizer.ADAM,
                0,
                List.of(
                        TrainerState.ParameterState.withMoments(
                                "0.weight", new long[] {OUT, IN}, weight, new float[6], new float[6]),
                        TrainerState.ParameterState.withMoments(
                                "0.bias", new long[] {OUT}, bias, new float[2], new float[2])));
        float[] zeros = new float[ROWS * IN];
        float below = Math.nextDown(0.5f);
        float[] labels = {below, below, below, below, below, below, below, below};

        try (DjlTrainer trainer = DjlTrainer.restore(spec, start)) {
            trainer.trainBatch(zeros, labels, ROWS);
            TrainerState after = trainer.snapshot();

            double[] b = {0.5, 0.5};
            double g = 0.5 - (double) below;
            torchAdam(b, new double[] {g, g}, new double[2], new double[2], lr, 1);
            assertClose(b, after.parameters().get(1).values(), 1e-6, "bias");
            assertTrue(0.5 - b[0] > 0.05, "torch's first step here is 0.75*lr: " + (0.5 - b[0]));
            assertArrayEquals(weight, after.parameters().get(0).values(), "zero gradient, no move");
        }
    }

    @Test
    void sgdStepMatchesHandComputedStep() {
        double lr = 0.05;
        try (DjlTrainer trainer = DjlTrainer.create(linear(ModelSpec.Optimizer.SGD, (float) lr))) {
            double[] w = toDouble(trainer.snapshot().parameters().get(0).values());
            double[] b = toDouble(trainer.snapshot().parameters().get(1).values());
            for (int t = 1; t <= 2; t++) {
                double[] gW = new double[w.length];
                double[] gB = new double[b.length];
                mseAndGradients(w, b, gW, gB);
                trainer.trainBatch(X, Y, ROWS);
                for (int i = 0; i < w.length; i++) {
                    w[i] -= lr * gW[i];
                }
                for (int i = 0; i < b.length; i++) {
                    b[i] -= lr * gB[i];
                }
                // gradients are zeroed between steps, or step 2 would use twice the gradient
                assertClose(w, trainer.snapshot().parameters().get(0).values(), 1e-6, "weight");
                assertClose(b, trainer.snapshot().parameters().get(1).values(), 1e-6, "bias");
            }
        }
    }

    @Test
    void predictIsWxPlusBWithTorchWeightLayout() {
        try (DjlTrainer trainer = DjlTrainer.create(linear(ModelSpec.Optimizer.ADAM, 0.1f))) {
            double[] w = toDouble(trainer.snapshot().parameters().get(0).values());
            double[] b = toDouble(trainer.snapshot().parameters().get(1).values());
            float[] out = trainer.predict(X, ROWS);
            assertEquals(ROWS * OUT, out.length);
            for (int r = 0; r < ROWS; r++) {
                for (int o = 0; o < OUT; o++) {
                    assertEquals(linearOut(w, b, r, o), out[r * OUT + o], 1e-6);
                }
            }
        }
    }

    @Test
    void bceWithLogitsAndCrossEntropyMatchTheirDefinitions() {
        ModelSpec binary = ModelSpec.builder()
                .kind(ModelSpec.Kind.LOGISTIC)
                .inputDim(IN)
                .outputDim(1)
                .batchSize(ROWS)
                .device(ModelSpec.DeviceChoice.CPU)
                .build();
        float[] binaryLabels = {1f, 0f, 0f, 1f};
        try (DjlTrainer trainer = DjlTrainer.create(binary)) {
            float[] logits = trainer.predict(X, ROWS);
            double expected = 0;
            for (int r = 0; r < ROWS; r++) {
                double p = 1 / (1 + Math.exp(-logits[r]));
                expected -= binaryLabels[r] * Math.log(p) + (1 - binaryLabels[r]) * Math.log(1 - p);
            }
            assertEquals(expected / ROWS, trainer.evaluateLoss(X, binaryLabels, ROWS), 1e-6);
        }

        ModelSpec softmax = binary.toBuilder()
                .outputDim(3)
                .loss(ModelSpec.Loss.SOFTMAX_CROSS_ENTROPY)
                .build();
        float[] classes = {2f, 0f, 1f, 2f};
        try (DjlTrainer trainer = DjlTrainer.create(softmax)) {
            float[] logits = trainer.predict(X, ROWS);
            double expected = 0;
            for (int r = 0; r < ROWS; r++) {
                double sum = 0;
                for (int c = 0; c < 3; c++) {
                    sum += Math.exp(logits[r * 3 + c]);
                }
                expected -= logits[r * 3 + (int) classes[r]] - Math.log(sum);
            }
            assertEquals(expected / ROWS, trainer.evaluateLoss(X, classes, ROWS), 1e-6);
        }
    }

    @Test
    void initialWeightsAreTorchsUniformAndDependOnlyOnTheSeed() {
        ModelSpec spec = ModelSpec.builder()
                .kind(ModelSpec.Kind.MLP)
                .inputDim(16)
                .hiddenSizes(9)
                .outputDim(1)
                .seed(5)
                .device(ModelSpec.DeviceChoice.CPU)
                .build();
        TrainerState first;
        TrainerState second;
        TrainerState otherSeed;
        try (DjlTrainer a = DjlTrainer.create(spec)) {
            first = a.snapshot();
        }
        try (DjlTrainer b = DjlTrainer.create(spec)) {
            second = b.snapshot();
        }
        try (DjlTrainer c = DjlTrainer.create(spec.toBuilder().seed(6).build())) {
            otherSeed = c.snapshot();
        }

        assertEquals(first, second);
        assertNotEquals(first, otherSeed);
        assertEquals(spec.torchParameterNames(), first.parameterNames());
        List<TrainerState.ParameterState> params = first.parameters();
        assertWithin(params.get(0).values(), 1 / Math.sqrt(16)); // 0.weight, fan-in 16
        assertWithin(params.get(1).values(), 1 / Math.sqrt(16)); // 0.bias
        assertWithin(params.get(2).values(), 1 / Math.sqrt(9)); // 2.weight, fan-in 9
        assertWithin(params.get(3).values(), 1 / Math.sqrt(9)); // 2.bias
        assertArrayEquals(new long[] {9, 16}, params.get(0).shape());
        assertArrayEquals(new long[] {1, 9}, params.get(2).shape());
    }

    // --- hand computations -------------------------------------------------------------

    private static double linearOut(double[] w, double[] b, int row, int o) {
        double sum = b[o];
        for (int i = 0; i < IN; i++) {
            sum += w[o * IN + i] * X[row * IN + i];
        }
        return sum;
    }

    /** MSE over all ROWS*OUT elements and its exact gradient: dL/dpred = 2(pred - y)/N. */
    private static double mseAndGradients(double[] w, double[] b, double[] gW, double[] gB) {
        int n = ROWS * OUT;
        double loss = 0;
        for (int r = 0; r < ROWS; r++) {
            for (int o = 0; o < OUT; o++) {
                double diff = linearOut(w, b, r, o) - Y[r * OUT + o];
                loss += diff * diff / n;
                double dPred = 2 * diff / n;
                gB[o] += dPred;
                for (int i = 0; i < IN; i++) {
                    gW[o * IN + i] += dPred * X[r * IN + i];
                }
            }
        }
        return loss;
    }

    /** torch.optim.Adam (default betas and eps, no weight decay), as its documentation states. */
    private static void torchAdam(double[] p, double[] g, double[] m, double[] v, double lr, int t) {
        double beta1 = 0.9;
        double beta2 = 0.999;
        double eps = 1e-8;
        for (int i = 0; i < p.length; i++) {
            m[i] = beta1 * m[i] + (1 - beta1) * g[i];
            v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
            double mHat = m[i] / (1 - Math.pow(beta1, t));
            double vHat = v[i] / (1 - Math.pow(beta2, t));
            p[i] -= lr * mHat / (Math.sqrt(vHat) + eps);
        }
    }

    private static double[] toDouble(float[] values) {
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i];
        }
        return out;
    }

    private static void assertClose(double[] expected, float[] actual, double tol, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            double scale = Math.max(1, Math.abs(expected[i]));
            assertEquals(expected[i], actual[i], tol * scale, what + " [" + i + "]");
        }
    }

    private static void assertWithin(float[] values, double bound) {
        for (float v : values) {
            assertTrue(Math.abs(v) <= bound, v + " outside ±" + bound);
        }
    }
}
