package dev.streamtrain.trainer;

import java.util.Random;

/** Deterministic synthetic batches for trainer tests. */
final class SyntheticData {

    final float[] features;
    final float[] labels;
    final int rows;

    private SyntheticData(float[] features, float[] labels, int rows) {
        this.features = features;
        this.labels = labels;
        this.rows = rows;
    }

    /** Gaussian features and Gaussian labels: enough for optimizer-state tests. */
    static SyntheticData noise(long seed, int rows, int inputDim, int labelWidth) {
        Random random = new Random(seed);
        return new SyntheticData(gaussian(random, rows * inputDim), gaussian(random, rows * labelWidth), rows);
    }

    /** Class indices in [0, classes) as floats, one per row. */
    static SyntheticData classes(long seed, int rows, int inputDim, int classes) {
        Random random = new Random(seed);
        float[] labels = new float[rows];
        for (int r = 0; r < rows; r++) {
            labels[r] = random.nextInt(classes);
        }
        return new SyntheticData(gaussian(random, rows * inputDim), labels, rows);
    }

    /**
     * y = tanh-MLP teacher(x) + N(0, noiseStd²): a fixed random 2-layer network the student can
     * represent closely, plus irreducible noise.
     */
    static SyntheticData teacherRegression(Teacher teacher, long seed, int rows, double noiseStd) {
        Random random = new Random(seed);
        float[] x = gaussian(random, rows * teacher.inputDim);
        float[] y = new float[rows];
        for (int r = 0; r < rows; r++) {
            y[r] = (float) (teacher.output(x, r) + noiseStd * random.nextGaussian());
        }
        return new SyntheticData(x, y, rows);
    }

    /** Labels from a random linear teacher: binary (logit > 0) or argmax over classes. */
    static SyntheticData linearlySeparable(long teacherSeed, long seed, int rows, int inputDim, int classes) {
        Random teacherRandom = new Random(teacherSeed);
        int outputs = classes == 2 ? 1 : classes;
        double[] w = new double[outputs * inputDim];
        for (int i = 0; i < w.length; i++) {
            w[i] = teacherRandom.nextGaussian();
        }
        Random random = new Random(seed);
        float[] x = gaussian(random, rows * inputDim);
        float[] labels = new float[rows];
        for (int r = 0; r < rows; r++) {
            int best = 0;
            double bestScore = Double.NEGATIVE_INFINITY;
            for (int o = 0; o < outputs; o++) {
                double score = 0;
                for (int i = 0; i < inputDim; i++) {
                    score += w[o * inputDim + i] * x[r * inputDim + i];
                }
                if (outputs == 1) {
                    best = score > 0 ? 1 : 0;
                } else if (score > bestScore) {
                    bestScore = score;
                    best = o;
                }
            }
            labels[r] = best;
        }
        return new SyntheticData(x, labels, rows);
    }

    /** Rows [first, first + count) as their own data set. */
    SyntheticData slice(int first, int count) {
        int inputDim = features.length / rows;
        int labelWidth = labels.length / rows;
        float[] x = new float[count * inputDim];
        float[] y = new float[count * labelWidth];
        System.arraycopy(features, first * inputDim, x, 0, x.length);
        System.arraycopy(labels, first * labelWidth, y, 0, y.length);
        return new SyntheticData(x, y, count);
    }

    double labelVariance() {
        double mean = 0;
        for (float v : labels) {
            mean += v;
        }
        mean /= labels.length;
        double sum = 0;
        for (float v : labels) {
            sum += (v - mean) * (v - mean);
        }
        return sum / labels.length;
    }

    private static float[] gaussian(Random random, int n) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) random.nextGaussian();
        }
        return out;
    }

    /** A fixed random network inputDim -> hidden (tanh) -> 1. */
    static final class Teacher {
        final int inputDim;
        private final int hidden;
        private final double[] w1;
        private final double[] w2;

        Teacher(long seed, int inputDim, int hidden) {
            this.inputDim = inputDim;
            this.hidden = hidden;
            Random random = new Random(seed);
            w1 = new double[hidden * inputDim];
            w2 = new double[hidden];
            for (int i = 0; i < w1.length; i++) {
                w1[i] = random.nextGaussian() / Math.sqrt(inputDim);
            }
            for (int i = 0; i < w2.length; i++) {
                w2[i] = random.nextGaussian() / Math.sqrt(hidden);
            }
        }

        double output(float[] x, int row) {
            double y = 0;
            for (int h = 0; h < hidden; h++) {
                double pre = 0;
                for (int i = 0; i < inputDim; i++) {
                    pre += w1[h * inputDim + i] * x[row * inputDim + i];
                }
                y += w2[h] * Math.tanh(pre);
            }
            return y;
        }
    }
}
