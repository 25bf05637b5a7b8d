package dev.streamtrain.trainer;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;

/**
 * The batch-mean losses, written as a few NDArray ops each so that every step stays a short
 * list of native calls. DJL's own Loss classes are not used because their conventions differ
 * from torch's (DJL's L2Loss is half the squared error by default).
 */
enum LossFunction {

    /** mean((y - t)^2) over all elements, as torch.nn.MSELoss. */
    MSE {
        @Override
        NDArray compute(NDArray predictions, NDArray labels) {
            return predictions.sub(labels).square().mean();
        }
    },

    /**
     * mean(softplus(x) - x*t), which equals torch.nn.BCEWithLogitsLoss: -[t log σ(x) + (1-t)
     * log(1-σ(x))] = log(1+e^x) - t x. torch's softplus is the numerically stable form.
     */
    BCE_WITH_LOGITS {
        @Override
        NDArray compute(NDArray predictions, NDArray labels) {
            return Activation.softPlus(predictions).sub(predictions.mul(labels)).mean();
        }
    },

    /**
     * -mean(log_softmax(x)[t]), as torch.nn.CrossEntropyLoss with class-index targets. Labels
     * arrive as an int64 [rows, 1] column so gather can pick each row's class.
     */
    SOFTMAX_CROSS_ENTROPY {
        @Override
        NDArray compute(NDArray predictions, NDArray labels) {
            return predictions.logSoftmax(1).gather(labels, 1).mean().neg();
        }
    };

    /** A 0-dimensional array holding the mean loss of the rows in {@code predictions}. */
    abstract NDArray compute(NDArray predictions, NDArray labels);

    static LossFunction of(ModelSpec.Loss loss) {
        return valueOf(loss.name());
    }
}
