package dev.streamtrain.trainer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

/**
 * Plain SGD, {@code p -= lr * g}, as torch.optim.SGD without momentum or weight decay.
 *
 * <p>One fused native call per parameter through DJL's {@code NDArrayEx.sgdUpdate}; on the
 * PyTorch engine it also zeroes the gradient. With momentum 0 it needs no state array.
 */
final class SgdUpdater implements ParameterUpdater {

    private static final NDArray[] NO_STATE = new NDArray[0];

    private final float learningRate;

    SgdUpdater(float learningRate) {
        this.learningRate = learningRate;
    }

    @Override
    public ModelSpec.Optimizer kind() {
        return ModelSpec.Optimizer.SGD;
    }

    @Override
    public void update(int index, NDArray parameter, NDArray gradient, long step) {
        parameter
                .getNDArrayInternal()
                .sgdUpdate(
                        new NDList(parameter, gradient),
                        new NDList(parameter),
                        learningRate,
                        0f, // weight decay
                        1f, // rescale gradient: none
                        -1f, // clip gradient: negative disables clipping
                        0f, // momentum
                        false);
    }

    @Override
    public NDArray[] stateOf(int index) {
        return NO_STATE;
    }
}
