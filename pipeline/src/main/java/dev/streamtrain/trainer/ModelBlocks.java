package dev.streamtrain.trainer;

import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;

/** Turns a {@link ModelSpec} into the DJL block that mirrors the torch.nn.Sequential. */
final class ModelBlocks {

    private ModelBlocks() {}

    /**
     * Linear layers with the spec's activation between them (none after the last, which emits
     * raw outputs/logits because the losses take logits). DJL's Linear stores its weight as
     * [out, in] like torch, so values map one to one.
     */
    static SequentialBlock sequential(ModelSpec spec) {
        int[] widths = spec.layerWidths();
        SequentialBlock block = new SequentialBlock();
        for (int layer = 0; layer < spec.linearLayerCount(); layer++) {
            block.add(Linear.builder().setUnits(widths[layer + 1]).optBias(true).build());
            if (layer < spec.linearLayerCount() - 1) {
                block.add(activation(spec.activation()));
            }
        }
        return block;
    }

    private static Block activation(ModelSpec.Activation activation) {
        switch (activation) {
            case RELU:
                return Activation.reluBlock();
            case TANH:
                return Activation.tanhBlock();
            case SIGMOID:
                return Activation.sigmoidBlock();
            default:
                throw new IllegalArgumentException("unsupported activation " + activation);
        }
    }
}
