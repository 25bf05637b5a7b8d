package dev.streamtrain.trainer;

import dev.streamtrain.trainer.ModelSpec.Kind;
import dev.streamtrain.trainer.ModelSpec.Loss;
import java.util.List;

/**
 * The consistency rules {@link ModelSpec.Builder#build()} applies across keys: hidden layers only
 * for an MLP, a loss that fits the kind, a batch that fits one direct buffer. Every message names
 * the key to change, because these values come from job configuration written by people.
 */
final class ModelSpecRules {
    private ModelSpecRules() {}

    static void checkHiddenSizes(Kind kind, List<Integer> hiddenSizes) {
        if (kind == Kind.MLP) {
            require(
                    !hiddenSizes.isEmpty(),
                    "hiddenSizes must list at least one layer width for kind=MLP"
                            + " (for no hidden layer use kind=LINEAR or LOGISTIC)");
        } else {
            require(
                    hiddenSizes.isEmpty(),
                    "hiddenSizes must be empty for kind=" + kind + " (got " + hiddenSizes
                            + "); use kind=MLP for hidden layers");
        }
        for (int i = 0; i < hiddenSizes.size(); i++) {
            Integer size = hiddenSizes.get(i);
            require(size != null && size > 0, "hiddenSizes[" + i + "] must be > 0, got " + size);
        }
    }

    /** The loss a kind trains with when none is given. */
    static Loss defaultLoss(Kind kind) {
        return kind == Kind.LOGISTIC ? Loss.BCE_WITH_LOGITS : Loss.MSE;
    }

    static void checkLoss(Kind kind, Loss loss, int outputDim) {
        if (kind == Kind.LINEAR) {
            require(
                    loss == Loss.MSE,
                    "loss=" + loss + " does not fit kind=LINEAR (regression, MSE);"
                            + " use kind=LOGISTIC for classification");
        }
        if (kind == Kind.LOGISTIC) {
            require(
                    loss != Loss.MSE,
                    "loss=MSE does not fit kind=LOGISTIC; use BCE_WITH_LOGITS or"
                            + " SOFTMAX_CROSS_ENTROPY, or kind=LINEAR for regression");
        }
        if (loss == Loss.SOFTMAX_CROSS_ENTROPY) {
            require(
                    outputDim >= 2,
                    "outputDim is the number of classes for loss=SOFTMAX_CROSS_ENTROPY and" + " must be >= 2, got "
                            + outputDim);
        }
    }

    /** {@code widest}: max(inputDim, outputDim). */
    static void checkBatchSize(int batchSize, int widest) {
        require(batchSize > 0, "batchSize must be > 0, got " + batchSize);
        // The trainer keeps one direct buffer of batchSize * width floats per input.
        require(
                (long) batchSize * widest * Float.BYTES <= Integer.MAX_VALUE,
                "batchSize * max(inputDim, outputDim) must stay below 2^29 floats (one"
                        + " direct buffer), got batchSize=" + batchSize
                        + " and width=" + widest + "; lower batchSize");
    }

    static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException("Invalid ModelSpec: " + message);
        }
    }
}
