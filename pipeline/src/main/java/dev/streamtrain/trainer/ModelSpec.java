package dev.streamtrain.trainer;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What to train: the network shape, the loss, the optimizer and where to run it.
 *
 * <p>Immutable and {@link Serializable} so that a Flink job can ship it to every operator
 * instance. Build one with {@link #builder()}; {@link Builder#build()} rejects inconsistent
 * settings with a message naming the offending key, because these values come from job
 * configuration written by people.
 *
 * <p>The network is the equivalent of a {@code torch.nn.Sequential}: Linear layers at even
 * indices with the activation between them, so exported weights carry the names torch would use
 * (see {@link #torchParameterNames()}).
 */
public final class ModelSpec implements Serializable {

    private static final long serialVersionUID = 1L;

    /** The network family. */
    public enum Kind {
        /** Linear layers with an activation between them; needs hidden layer sizes. */
        MLP,
        /** One Linear layer, regression (MSE). */
        LINEAR,
        /** One Linear layer producing logits (binary or multinomial logistic regression). */
        LOGISTIC
    }

    /** Activation between the Linear layers of an MLP. */
    public enum Activation {
        RELU,
        TANH,
        SIGMOID
    }

    /** Training loss; all are the batch mean, like torch's default {@code reduction="mean"}. */
    public enum Loss {
        /** {@code torch.nn.MSELoss}: labels are rows*outputDim targets. */
        MSE,
        /** {@code torch.nn.BCEWithLogitsLoss}: labels are rows*outputDim targets in [0, 1]. */
        BCE_WITH_LOGITS,
        /** {@code torch.nn.CrossEntropyLoss}: labels are one class index per row. */
        SOFTMAX_CROSS_ENTROPY
    }

    /** Optimizer; the project implements both so that its state can be snapshotted. */
    public enum Optimizer {
        /** {@code torch.optim.Adam} with betas (0.9, 0.999), eps 1e-8, no weight decay. */
        ADAM,
        /** Plain {@code torch.optim.SGD}: p -= lr * grad, no momentum. */
        SGD
    }

    /** Where to train. */
    public enum DeviceChoice {
        /** The first GPU when DJL sees one, else the CPU. */
        AUTO,
        CPU,
        /** Fail at start-up when DJL sees no GPU instead of silently training on the CPU. */
        GPU
    }

    private final Kind kind;
    private final int inputDim;
    private final List<Integer> hiddenSizes;
    private final int outputDim;
    private final Activation activation;
    private final Loss loss;
    private final Optimizer optimizer;
    private final float learningRate;
    private final int batchSize;
    private final long seed;
    private final DeviceChoice device;

    private ModelSpec(Builder b, Loss resolvedLoss) {
        this.kind = b.kind;
        this.inputDim = b.inputDim;
        this.hiddenSizes = List.copyOf(b.hiddenSizes);
        this.outputDim = b.outputDim;
        this.activation = b.activation;
        this.loss = resolvedLoss;
        this.optimizer = b.optimizer;
        this.learningRate = b.learningRate;
        this.batchSize = b.batchSize;
        this.seed = b.seed;
        this.device = b.device;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder pre-filled with this spec, for variants that differ in a few keys. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.kind = kind;
        b.inputDim = inputDim;
        b.hiddenSizes = new ArrayList<>(hiddenSizes);
        b.outputDim = outputDim;
        b.activation = activation;
        b.loss = loss;
        b.optimizer = optimizer;
        b.learningRate = learningRate;
        b.batchSize = batchSize;
        b.seed = seed;
        b.device = device;
        return b;
    }

    public Kind kind() {
        return kind;
    }

    public int inputDim() {
        return inputDim;
    }

    /** Hidden layer widths, empty unless {@link Kind#MLP}. */
    public List<Integer> hiddenSizes() {
        return hiddenSizes;
    }

    /** Outputs per row; for {@link Loss#SOFTMAX_CROSS_ENTROPY} the number of classes. */
    public int outputDim() {
        return outputDim;
    }

    public Activation activation() {
        return activation;
    }

    public Loss loss() {
        return loss;
    }

    public Optimizer optimizer() {
        return optimizer;
    }

    public float learningRate() {
        return learningRate;
    }

    /** Rows per training step; the trainer sizes its reusable input buffers from it. */
    public int batchSize() {
        return batchSize;
    }

    public long seed() {
        return seed;
    }

    public DeviceChoice device() {
        return device;
    }

    /**
     * The widths of the layer boundaries: input, each hidden layer, output. Layer {@code i}
     * maps {@code layerWidths()[i]} to {@code layerWidths()[i + 1]}.
     */
    int[] layerWidths() {
        int[] widths = new int[hiddenSizes.size() + 2];
        widths[0] = inputDim;
        for (int i = 0; i < hiddenSizes.size(); i++) {
            widths[i + 1] = hiddenSizes.get(i);
        }
        widths[widths.length - 1] = outputDim;
        return widths;
    }

    /** Number of Linear layers. */
    int linearLayerCount() {
        return hiddenSizes.size() + 1;
    }

    /**
     * Parameter names an equivalent {@code torch.nn.Sequential} reports in its
     * {@code state_dict()}, in that order: Linear layers sit at even indices because an
     * activation module follows every Linear layer but the last.
     */
    public List<String> torchParameterNames() {
        List<String> names = new ArrayList<>(2 * linearLayerCount());
        for (int layer = 0; layer < linearLayerCount(); layer++) {
            int moduleIndex = 2 * layer;
            names.add(moduleIndex + ".weight");
            names.add(moduleIndex + ".bias");
        }
        return List.copyOf(names);
    }

    /**
     * Shapes matching {@link #torchParameterNames()} index by index: weights are
     * {@code [out, in]} and biases {@code [out]}, as in torch. Fresh arrays on every call.
     */
    public List<long[]> torchParameterShapes() {
        int[] widths = layerWidths();
        List<long[]> shapes = new ArrayList<>(2 * linearLayerCount());
        for (int layer = 0; layer < linearLayerCount(); layer++) {
            shapes.add(new long[] {widths[layer + 1], widths[layer]});
            shapes.add(new long[] {widths[layer + 1]});
        }
        return shapes;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof ModelSpec)) {
            return false;
        }
        ModelSpec other = (ModelSpec) o;
        return kind == other.kind
                && inputDim == other.inputDim
                && hiddenSizes.equals(other.hiddenSizes)
                && outputDim == other.outputDim
                && activation == other.activation
                && loss == other.loss
                && optimizer == other.optimizer
                && Float.compare(learningRate, other.learningRate) == 0
                && batchSize == other.batchSize
                && seed == other.seed
                && device == other.device;
    }

    @Override
    public int hashCode() {
        return Objects.hash(
                kind,
                inputDim,
                hiddenSizes,
                outputDim,
                activation,
                loss,
                optimizer,
                learningRate,
                batchSize,
                seed,
                device);
    }

    @Override
    public String toString() {
        return "ModelSpec{kind=" + kind
                + ", inputDim=" + inputDim
                + ", hiddenSizes=" + hiddenSizes
                + ", outputDim=" + outputDim
                + ", activation=" + activation
                + ", loss=" + loss
                + ", optimizer=" + optimizer
                + ", learningRate=" + learningRate
                + ", batchSize=" + batchSize
                + ", seed=" + seed
                + ", device=" + device
                + '}';
    }

    /** Collects settings; nothing is checked until {@link #build()}. */
    public static final class Builder {
        private Kind kind;
        private int inputDim;
        private List<Integer> hiddenSizes = new ArrayList<>();
        private int outputDim = 1;
        private Activation activation = Activation.RELU;
        private Loss loss; // null: the kind's default
        private Optimizer optimizer = Optimizer.ADAM;
        private float learningRate = 1e-3f;
        private int batchSize = 256;
        private long seed;
        private DeviceChoice device = DeviceChoice.AUTO;

        private Builder() {}

        public Builder kind(Kind kind) {
            this.kind = kind;
            return this;
        }

        public Builder inputDim(int inputDim) {
            this.inputDim = inputDim;
            return this;
        }

        public Builder hiddenSizes(int... sizes) {
            List<Integer> copy = new ArrayList<>(sizes.length);
            for (int size : sizes) {
                copy.add(size);
            }
            this.hiddenSizes = copy;
            return this;
        }

        public Builder hiddenSizes(List<Integer> sizes) {
            this.hiddenSizes = new ArrayList<>(Objects.requireNonNull(sizes, "hiddenSizes"));
            return this;
        }

        public Builder outputDim(int outputDim) {
            this.outputDim = outputDim;
            return this;
        }

        public Builder activation(Activation activation) {
            this.activation = activation;
            return this;
        }

        public Builder loss(Loss loss) {
            this.loss = loss;
            return this;
        }

        public Builder optimizer(Optimizer optimizer) {
            this.optimizer = optimizer;
            return this;
        }

        public Builder learningRate(float learningRate) {
            this.learningRate = learningRate;
            return this;
        }

        public Builder batchSize(int batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        public Builder device(DeviceChoice device) {
            this.device = device;
            return this;
        }

        /**
         * Checks every key and returns the spec.
         *
         * @throws IllegalArgumentException naming the key to fix and the accepted values
         */
        public ModelSpec build() {
            require(kind != null, "kind is required: one of MLP, LINEAR, LOGISTIC");
            require(activation != null, "activation must not be null: one of RELU, TANH, SIGMOID");
            require(optimizer != null, "optimizer must not be null: one of ADAM, SGD");
            require(device != null, "device must not be null: one of AUTO, CPU, GPU");
            require(inputDim > 0, "inputDim must be > 0, got " + inputDim);
            require(outputDim > 0, "outputDim must be > 0, got " + outputDim);
            ModelSpecRules.checkHiddenSizes(kind, hiddenSizes);

            Loss resolvedLoss = loss != null ? loss : ModelSpecRules.defaultLoss(kind);
            ModelSpecRules.checkLoss(kind, resolvedLoss, outputDim);

            require(
                    Float.isFinite(learningRate) && learningRate > 0f,
                    "learningRate must be a finite number > 0, got " + learningRate);
            ModelSpecRules.checkBatchSize(batchSize, Math.max(inputDim, outputDim));
            return new ModelSpec(this, resolvedLoss);
        }

        private static void require(boolean condition, String message) {
            ModelSpecRules.require(condition, message);
        }
    }
}
