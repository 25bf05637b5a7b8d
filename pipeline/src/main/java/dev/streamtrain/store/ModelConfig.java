package dev.streamtrain.store;

import dev.streamtrain.trainer.ModelSpec;
import java.util.List;

/** The {@link ModelSpec} fields, by name, so that non-Java readers can rebuild the module. */
public record ModelConfig(
        ModelSpec.Kind kind,
        int inputDim,
        List<Integer> hiddenSizes,
        int outputDim,
        ModelSpec.Activation activation,
        ModelSpec.Loss loss,
        ModelSpec.Optimizer optimizer,
        float learningRate,
        int batchSize,
        long seed,
        ModelSpec.DeviceChoice device) {

    public static ModelConfig of(ModelSpec spec) {
        return new ModelConfig(
                spec.kind(),
                spec.inputDim(),
                spec.hiddenSizes(),
                spec.outputDim(),
                spec.activation(),
                spec.loss(),
                spec.optimizer(),
                spec.learningRate(),
                spec.batchSize(),
                spec.seed(),
                spec.device());
    }

    public ModelSpec toSpec() {
        return ModelSpec.builder()
                .kind(kind)
                .inputDim(inputDim)
                .hiddenSizes(hiddenSizes)
                .outputDim(outputDim)
                .activation(activation)
                .loss(loss)
                .optimizer(optimizer)
                .learningRate(learningRate)
                .batchSize(batchSize)
                .seed(seed)
                .device(device)
                .build();
    }
}
