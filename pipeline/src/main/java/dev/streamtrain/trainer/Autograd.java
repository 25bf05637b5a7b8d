package dev.streamtrain.trainer;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Records (or suppresses) the autograd graph on the calling thread, and runs backward.
 *
 * <p>Why not DJL's {@code GradientCollector}: in DJL 0.36 {@code PtGradientCollector} guards
 * itself with a JVM-wide static flag and throws "A PtGradientCollector is already collecting"
 * when a second one opens anywhere in the process. A Flink TaskManager runs several operator
 * subtasks (slots) in one JVM, with the DJL jars in lib/, so two trainers stepping at the same
 * time would fail. libtorch's grad mode itself is thread-local, so this scope sets it for the
 * current thread only and restores the previous value, which is what the collector does minus
 * the global flag. Backward goes to the same JNI entry the collector uses.
 *
 * <p>Both are PyTorch-engine calls; the trainer only runs on that engine.
 */
final class Autograd implements AutoCloseable {

    private final boolean previous;
    private final boolean changed;

    private Autograd(boolean enabled) {
        previous = JniUtils.isGradMode();
        changed = previous != enabled;
        if (changed) {
            JniUtils.setGradMode(enabled);
        }
    }

    /** Ops on this thread record a graph until close: use around a training forward pass. */
    static Autograd recording() {
        return new Autograd(true);
    }

    /**
     * Ops on this thread record nothing until close: inference must not build graphs (a fresh
     * libtorch thread starts with grad mode on).
     */
    static Autograd disabled() {
        return new Autograd(false);
    }

    /**
     * Accumulates d(loss)/d(parameter) into every parameter's gradient.
     *
     * @param scalarLoss a 0-dimensional loss recorded inside {@link #recording()}
     * @param one a reusable 0-dimensional 1.0 on the loss's device (the seed gradient)
     */
    static void backward(NDArray scalarLoss, NDArray one) {
        JniUtils.backward((PtNDArray) scalarLoss, (PtNDArray) one, false, false);
    }

    /**
     * A new handle to the parameter's gradient tensor (not a copy), or null before the first
     * backward. The handle is attached to the parameter's manager; callers move it to a
     * short-lived one. One JNI call, where NDArray.getGradient() makes two.
     */
    static NDArray gradientOf(NDArray parameter) {
        return JniUtils.getGradient((PtNDArray) parameter);
    }

    @Override
    public void close() {
        if (changed) {
            JniUtils.setGradMode(previous);
        }
    }
}
