package dev.streamtrain.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Exact resume: snapshot, serialize, restore into a fresh trainer and continue must give the
 * same bits as never stopping. This is what makes Flink checkpoints and savepoint rollbacks
 * safe for the model.
 */
class DjlTrainerResumeTest {

    private static final int BATCH = 16;

    private static ModelSpec spec(ModelSpec.Optimizer optimizer, ModelSpec.Loss loss) {
        return ModelSpec.builder()
                .kind(ModelSpec.Kind.MLP)
                .inputDim(6)
                .hiddenSizes(12, 8)
                .outputDim(loss == ModelSpec.Loss.SOFTMAX_CROSS_ENTROPY ? 3 : 2)
                .activation(ModelSpec.Activation.TANH)
                .loss(loss)
                .optimizer(optimizer)
                .learningRate(optimizer == ModelSpec.Optimizer.ADAM ? 0.01f : 0.05f)
                .batchSize(BATCH)
                .seed(1234)
                .device(ModelSpec.DeviceChoice.CPU)
                .build();
    }

    /** Ten batches; batches 3 and 9 are partial so both halves of the run include one. */
    private static List<SyntheticData> batches(ModelSpec spec) {
        List<SyntheticData> out = new ArrayList<>();
        for (int b = 0; b < 10; b++) {
            int rows = (b == 3 || b == 9) ? 5 : BATCH;
            out.add(
                    spec.loss() == ModelSpec.Loss.SOFTMAX_CROSS_ENTROPY
                            ? SyntheticData.classes(100 + b, rows, spec.inputDim(), spec.outputDim())
                            : SyntheticData.noise(100 + b, rows, spec.inputDim(), spec.outputDim()));
        }
        return out;
    }

    @ParameterizedTest
    @EnumSource(ModelSpec.Optimizer.class)
    void resumedTrainingIsBitwiseEqualToUninterrupted(ModelSpec.Optimizer optimizer) {
        assertResumeIsExact(spec(optimizer, ModelSpec.Loss.MSE));
    }

    @Test
    void resumeIsExactWithClassIndexLabels() {
        assertResumeIsExact(spec(ModelSpec.Optimizer.ADAM, ModelSpec.Loss.SOFTMAX_CROSS_ENTROPY));
    }

    private static void assertResumeIsExact(ModelSpec spec) {
        List<SyntheticData> batches = batches(spec);
        int cut = 5;
        float[] uninterruptedLosses = new float[batches.size()];
        byte[] checkpoint = null;
        TrainerState uninterruptedEnd;
        try (DjlTrainer uninterrupted = DjlTrainer.create(spec)) {
            for (int b = 0; b < batches.size(); b++) {
                if (b == cut) {
                    checkpoint = uninterrupted.snapshot().toBytes();
                }
                SyntheticData batch = batches.get(b);
                uninterruptedLosses[b] = uninterrupted.trainBatch(batch.features, batch.labels, batch.rows);
            }
            uninterruptedEnd = uninterrupted.snapshot();
        }

        TrainerState restored = TrainerState.fromBytes(checkpoint);
        TrainerState resumedEnd;
        try (DjlTrainer resumed = DjlTrainer.restore(spec, restored)) {
            assertEquals(cut, resumed.steps());
            assertEquals(restored, resumed.snapshot(), "restore then snapshot must be lossless");
            for (int b = cut; b < batches.size(); b++) {
                SyntheticData batch = batches.get(b);
                float loss = resumed.trainBatch(batch.features, batch.labels, batch.rows);
                assertEquals(
                        Float.floatToIntBits(uninterruptedLosses[b]), Float.floatToIntBits(loss), "loss of batch " + b);
            }
            resumedEnd = resumed.snapshot();
        }

        assertEquals(batches.size(), resumedEnd.steps());
        for (int i = 0; i < uninterruptedEnd.parameters().size(); i++) {
            TrainerState.ParameterState expected = uninterruptedEnd.parameters().get(i);
            TrainerState.ParameterState actual = resumedEnd.parameters().get(i);
            assertArrayEquals(expected.values(), actual.values(), expected.name());
            if (expected.hasMoments()) {
                assertArrayEquals(expected.firstMoment(), actual.firstMoment(), expected.name());
                assertArrayEquals(expected.secondMoment(), actual.secondMoment(), expected.name());
            }
        }
        assertEquals(uninterruptedEnd, resumedEnd);
        // training moved the weights, so the equality above is not trivially true
        try (DjlTrainer fresh = DjlTrainer.create(spec)) {
            assertNotEquals(fresh.snapshot().parameters(), uninterruptedEnd.parameters());
        }
    }

    @Test
    void restoreRejectsStateOfAnotherModel() {
        ModelSpec adam = spec(ModelSpec.Optimizer.ADAM, ModelSpec.Loss.MSE);
        TrainerState state;
        try (DjlTrainer trainer = DjlTrainer.create(adam)) {
            state = trainer.snapshot();
        }

        IllegalArgumentException wrongOptimizer = assertThrows(
                IllegalArgumentException.class,
                () -> DjlTrainer.restore(
                        adam.toBuilder().optimizer(ModelSpec.Optimizer.SGD).build(), state));
        assertEquals(true, wrongOptimizer.getMessage().contains("optimizer"));
        assertThrows(
                IllegalArgumentException.class,
                () -> DjlTrainer.restore(adam.toBuilder().hiddenSizes(12, 9).build(), state));
        assertThrows(
                IllegalArgumentException.class,
                () -> DjlTrainer.restore(adam.toBuilder().hiddenSizes(12).build(), state));
    }
}
