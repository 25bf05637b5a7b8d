package dev.streamtrain.trainer;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The trainer learns: losses on held-out data fall well below where they started. */
class DjlTrainerLearningTest {

    private static final int BATCH = 64;

    /** Trains for {@code epochs} passes in order, ending each pass with its partial batch. */
    private static void train(DjlTrainer trainer, SyntheticData data, int epochs) {
        for (int epoch = 0; epoch < epochs; epoch++) {
            for (int first = 0; first < data.rows; first += BATCH) {
                SyntheticData batch = data.slice(first, Math.min(BATCH, data.rows - first));
                trainer.trainBatch(batch.features, batch.labels, batch.rows);
            }
        }
    }

    @Test
    void mlpRegressionApproachesTheNoiseFloor() {
        SyntheticData.Teacher teacher = new SyntheticData.Teacher(7, 8, 16);
        double noiseStd = 0.05;
        SyntheticData train = SyntheticData.teacherRegression(teacher, 1, 4000, noiseStd);
        SyntheticData heldOut = SyntheticData.teacherRegression(teacher, 2, 1000, noiseStd);
        ModelSpec spec = ModelSpec.builder()
                .kind(ModelSpec.Kind.MLP)
                .inputDim(8)
                .hiddenSizes(32, 32)
                .outputDim(1)
                .optimizer(ModelSpec.Optimizer.ADAM)
                .learningRate(0.01f)
                .batchSize(BATCH)
                .seed(3)
                .device(ModelSpec.DeviceChoice.CPU)
                .build();

        try (DjlTrainer trainer = DjlTrainer.create(spec)) {
            float initial = trainer.evaluateLoss(heldOut.features, heldOut.labels, heldOut.rows);
            train(trainer, train, 5);
            float fin = trainer.evaluateLoss(heldOut.features, heldOut.labels, heldOut.rows);
            // Threshold: 5% of the initial held-out MSE. A model that learned only the mean
            // would score about Var(y) (~0.20 here, ~86% of the initial 0.23), so passing means
            // it explains well over 90% of the teacher's variance; the noise floor sigma^2 =
            // 0.0025 (~1% of the initial) keeps the bar reachable. Measured: about 0.0053
            // after these 315 steps, a 2x margin.
            assertTrue(
                    fin < 0.05f * initial,
                    "held-out MSE " + fin + " should fall below 5% of the initial " + initial
                            + " (label variance " + heldOut.labelVariance() + ", noise floor "
                            + noiseStd * noiseStd + ")");
        }
    }

    @Test
    void logisticRegressionSeparatesTwoClasses() {
        SyntheticData train = SyntheticData.linearlySeparable(11, 1, 2000, 5, 2);
        SyntheticData heldOut = SyntheticData.linearlySeparable(11, 2, 500, 5, 2);
        ModelSpec spec = ModelSpec.builder()
                .kind(ModelSpec.Kind.LOGISTIC)
                .inputDim(5)
                .learningRate(0.05f)
                .batchSize(BATCH)
                .seed(4)
                .device(ModelSpec.DeviceChoice.CPU)
                .build();
        try (DjlTrainer trainer = DjlTrainer.create(spec)) {
            float initial = trainer.evaluateLoss(heldOut.features, heldOut.labels, heldOut.rows);
            train(trainer, train, 3);
            float fin = trainer.evaluateLoss(heldOut.features, heldOut.labels, heldOut.rows);
            // The labels are linearly separable, so the loss can head towards 0, while a model
            // ignoring the features stays at ln 2 = 0.69. Half the initial loss (~0.33) is far
            // past that; measured: 0.67 -> about 0.16.
            assertTrue(fin < 0.5f * initial, "BCE " + initial + " -> " + fin);
        }
    }

    @Test
    void softmaxClassifierSeparatesThreeClasses() {
        SyntheticData train = SyntheticData.linearlySeparable(12, 1, 2000, 5, 3);
        SyntheticData heldOut = SyntheticData.linearlySeparable(12, 2, 500, 5, 3);
        ModelSpec spec = ModelSpec.builder()
                .kind(ModelSpec.Kind.MLP)
                .inputDim(5)
                .hiddenSizes(16)
                .outputDim(3)
                .loss(ModelSpec.Loss.SOFTMAX_CROSS_ENTROPY)
                .learningRate(0.02f)
                .batchSize(BATCH)
                .seed(5)
                .device(ModelSpec.DeviceChoice.CPU)
                .build();
        try (DjlTrainer trainer = DjlTrainer.create(spec)) {
            float initial = trainer.evaluateLoss(heldOut.features, heldOut.labels, heldOut.rows);
            train(trainer, train, 3);
            float fin = trainer.evaluateLoss(heldOut.features, heldOut.labels, heldOut.rows);
            // Separable again; a feature-blind model stays at ln 3 = 1.10. Measured: 1.14 ->
            // about 0.06, so 30% of the initial leaves a wide margin.
            assertTrue(fin < 0.3f * initial, "cross-entropy " + initial + " -> " + fin);
        }
    }
}
