package dev.streamtrain.trainer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.List;

/**
 * The optimizer: updates parameters in place from their gradients and owns whatever state it
 * keeps between steps, on the parameters' device.
 *
 * <p>The project implements this instead of using DJL's {@code Optimizer} because DJL's Adam
 * keeps its moments in private maps, and exact resume needs them in every checkpoint.
 */
interface ParameterUpdater {

    ModelSpec.Optimizer kind();

    /**
     * Applies one update to {@code parameter} in place and zeroes {@code gradient} for the next
     * backward (libtorch accumulates into it).
     *
     * @param index the parameter's position in {@link ModelSpec#torchParameterNames()}
     * @param step the 1-based number of this optimizer step
     */
    void update(int index, NDArray parameter, NDArray gradient, long step);

    /**
     * The state arrays kept for one parameter, in snapshot order (Adam: first moment, second
     * moment); empty for SGD. These are the live arrays: callers copy, never close them.
     */
    NDArray[] stateOf(int index);

    /** A fresh optimizer whose state arrays belong to {@code manager}. */
    static ParameterUpdater create(ModelSpec spec, NDManager manager, List<NDArray> parameters) {
        switch (spec.optimizer()) {
            case ADAM:
                return new AdamUpdater(spec.learningRate(), manager, parameters);
            case SGD:
                return new SgdUpdater(spec.learningRate());
            default:
                throw new IllegalArgumentException("unsupported optimizer " + spec.optimizer());
        }
    }
}
