package dev.streamtrain.trainer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.ArrayList;
import java.util.List;

/**
 * Adam with torch.optim.Adam's defaults: betas (0.9, 0.999), eps 1e-8, no weight decay, no
 * amsgrad. The moments are arrays this class owns, so snapshots can copy them.
 *
 * <p>Each parameter takes one fused native call, DJL's {@code NDArrayEx.adamUpdate}, which on
 * the PyTorch engine updates the moments and the weight in place and then zeroes the gradient:
 *
 * <pre>
 * m = β1·m + (1-β1)·g;   v = β2·v + (1-β2)·g²;   w -= α·m / (√v + ε')
 * </pre>
 *
 * torch instead computes {@code w -= lr/bc1 · m / (√v/√bc2 + eps)} with {@code bc_i = 1 -
 * β_i^t}. Multiplying numerator and denominator by √bc2 shows the two agree exactly when
 * {@code α = lr·√bc2/bc1} and {@code ε' = eps·√bc2}, so those are what this class passes.
 * (DJL's own Adam passes ε unscaled, which is a different optimizer in the first steps.)
 */
final class AdamUpdater implements ParameterUpdater {

    static final double BETA1 = 0.9;
    static final double BETA2 = 0.999;
    static final double EPSILON = 1e-8;

    private final float learningRate;
    private final List<NDArray> firstMoments = new ArrayList<>();
    private final List<NDArray> secondMoments = new ArrayList<>();

    AdamUpdater(float learningRate, NDManager manager, List<NDArray> parameters) {
        this.learningRate = learningRate;
        for (NDArray parameter : parameters) {
            firstMoments.add(manager.zeros(parameter.getShape(), DataType.FLOAT32));
            secondMoments.add(manager.zeros(parameter.getShape(), DataType.FLOAT32));
        }
    }

    @Override
    public ModelSpec.Optimizer kind() {
        return ModelSpec.Optimizer.ADAM;
    }

    @Override
    public void update(int index, NDArray parameter, NDArray gradient, long step) {
        double biasCorrection1 = 1.0 - Math.pow(BETA1, step);
        double sqrtBiasCorrection2 = Math.sqrt(1.0 - Math.pow(BETA2, step));
        float stepSize = (float) (learningRate * sqrtBiasCorrection2 / biasCorrection1);
        float scaledEpsilon = (float) (EPSILON * sqrtBiasCorrection2);
        parameter
                .getNDArrayInternal()
                .adamUpdate(
                        new NDList(parameter, gradient, firstMoments.get(index), secondMoments.get(index)),
                        new NDList(parameter),
                        learningRate, // only read for decoupled weight decay (AdamW), unused here
                        stepSize,
                        0f, // weight decay
                        1f, // rescale gradient: none
                        -1f, // clip gradient: negative disables clipping
                        (float) BETA1,
                        (float) BETA2,
                        scaledEpsilon,
                        false, // lazy update: not used by the PyTorch engine
                        false); // AdamW: no
    }

    @Override
    public NDArray[] stateOf(int index) {
        return new NDArray[] {firstMoments.get(index), secondMoments.get(index)};
    }
}
