package dev.streamtrain.store;

import dev.streamtrain.trainer.DjlTrainer;
import dev.streamtrain.trainer.ModelSpec;
import dev.streamtrain.trainer.TrainerState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Small trained states and epoch artifacts for store tests. */
final class TrainedStates {
    static final ModelSpec SPEC = ModelSpec.builder()
            .kind(ModelSpec.Kind.MLP)
            .inputDim(6)
            .hiddenSizes(16, 8)
            .outputDim(2)
            .activation(ModelSpec.Activation.RELU)
            .learningRate(0.01f)
            .batchSize(16)
            .seed(5)
            .device(ModelSpec.DeviceChoice.CPU)
            .build();

    /** Snapshots after each of {@code epochs} epochs of {@code stepsPerEpoch} steps. */
    static List<TrainerState> epochs(int epochs, int stepsPerEpoch) {
        List<TrainerState> out = new ArrayList<>();
        Random random = new Random(11);
        try (DjlTrainer trainer = DjlTrainer.create(SPEC)) {
            for (int e = 0; e < epochs; e++) {
                for (int s = 0; s < stepsPerEpoch; s++) {
                    trainer.trainBatch(gaussian(random, 16 * 6), gaussian(random, 16 * 2), 16);
                }
                out.add(trainer.snapshot());
            }
        }
        return out;
    }

    static EpochArtifact artifact(TrainerState state, long epoch) {
        return new EpochArtifact(
                SPEC,
                state,
                epoch,
                16L * 3,
                Map.of(Manifest.partitionKey("samples", 0), new Manifest.OffsetRange(100 * epoch, 100 * epoch + 47)),
                new Manifest.EventTimeRange(1_700_000_000_000L, 1_700_000_001_000L),
                new Manifest.Metrics(0.5, 12_345.0),
                "job-" + epoch);
    }

    private static float[] gaussian(Random random, int n) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) random.nextGaussian();
        }
        return out;
    }

    private TrainedStates() {}
}
