package dev.streamtrain.trainer;

import java.io.Serializable;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Everything needed to resume training exactly where it stopped: every parameter's values and
 * the optimizer's state, as plain Java arrays with no engine object in sight.
 *
 * <p>This is Flink operator state, so it must outlive the process that made it: {@link
 * #toBytes()} writes a versioned binary format (see {@link TrainerStateFormat}) that later
 * builds keep reading. Equality is by content, bit for bit per float, so tests can assert that
 * a resumed run matches an uninterrupted one exactly.
 */
public final class TrainerState implements Serializable {

    private static final long serialVersionUID = 1L;

    private final ModelSpec.Optimizer optimizer;
    private final long steps;
    private final List<ParameterState> parameters;

    /**
     * @param optimizer which optimizer the moments belong to: {@link ModelSpec.Optimizer#ADAM}
     *     requires moments on every parameter, {@link ModelSpec.Optimizer#SGD} forbids them
     * @param steps optimizer steps taken so far (Adam's bias correction depends on it)
     * @param parameters in {@link ModelSpec#torchParameterNames()} order
     */
    public TrainerState(ModelSpec.Optimizer optimizer, long steps, List<ParameterState> parameters) {
        this.optimizer = Objects.requireNonNull(optimizer, "optimizer");
        if (steps < 0) {
            throw new IllegalArgumentException("steps must be >= 0, got " + steps);
        }
        this.steps = steps;
        this.parameters = List.copyOf(parameters);
        boolean needsMoments = optimizer == ModelSpec.Optimizer.ADAM;
        for (ParameterState p : this.parameters) {
            if (p.hasMoments() != needsMoments) {
                throw new IllegalArgumentException("parameter " + p.name() + (needsMoments ? " lacks" : " has")
                        + " Adam moments, but the optimizer is " + optimizer);
            }
        }
    }

    public ModelSpec.Optimizer optimizer() {
        return optimizer;
    }

    public long steps() {
        return steps;
    }

    public List<ParameterState> parameters() {
        return parameters;
    }

    public List<String> parameterNames() {
        List<String> names = new ArrayList<>(parameters.size());
        for (ParameterState p : parameters) {
            names.add(p.name());
        }
        return names;
    }

    /** The state in the stable binary format; {@link #fromBytes(byte[])} reads it back. */
    public byte[] toBytes() {
        return TrainerStateFormat.write(this);
    }

    /**
     * Reads what {@link #toBytes()} wrote, by this or an older build.
     *
     * @throws IllegalArgumentException when the bytes are not a TrainerState, come from a newer
     *     format version, or are truncated or corrupted
     */
    public static TrainerState fromBytes(byte[] bytes) {
        return TrainerStateFormat.read(bytes);
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof TrainerState)) {
            return false;
        }
        TrainerState other = (TrainerState) o;
        return optimizer == other.optimizer && steps == other.steps && parameters.equals(other.parameters);
    }

    @Override
    public int hashCode() {
        return Objects.hash(optimizer, steps, parameters);
    }

    @Override
    public String toString() {
        return "TrainerState{optimizer=" + optimizer + ", steps=" + steps + ", parameters=" + parameterNames() + '}';
    }

    /**
     * One parameter: name, shape and values, plus Adam's first and second moments when the
     * optimizer is Adam. Arrays are copied in and out so the value stays immutable; the trainer
     * and the codec use the package-private accessors to avoid copying large models twice.
     */
    public static final class ParameterState implements Serializable {

        private static final long serialVersionUID = 1L;

        private final String name;
        private final long[] shape;
        private final float[] values;
        private final float[] firstMoment;
        private final float[] secondMoment;

        /** A parameter without optimizer moments (SGD). */
        public static ParameterState of(String name, long[] shape, float[] values) {
            return new ParameterState(name, shape.clone(), values.clone(), null, null);
        }

        /** A parameter with Adam's first and second moments. */
        public static ParameterState withMoments(
                String name, long[] shape, float[] values, float[] firstMoment, float[] secondMoment) {
            return new ParameterState(name, shape.clone(), values.clone(), firstMoment.clone(), secondMoment.clone());
        }

        /** Takes ownership of the arrays; for the trainer and the codec, which made them. */
        ParameterState(String name, long[] shape, float[] values, float[] firstMoment, float[] secondMoment) {
            this.name = Objects.requireNonNull(name, "name");
            this.shape = Objects.requireNonNull(shape, "shape");
            this.values = Objects.requireNonNull(values, "values");
            long size = 1;
            for (long dim : shape) {
                if (dim < 0) {
                    throw new IllegalArgumentException(
                            "parameter " + name + " has a negative dimension: " + Arrays.toString(shape));
                }
                size *= dim;
            }
            if (size != values.length) {
                throw new IllegalArgumentException("parameter " + name + " has shape " + Arrays.toString(shape) + " ("
                        + size + " values) but " + values.length + " values");
            }
            if ((firstMoment == null) != (secondMoment == null)) {
                throw new IllegalArgumentException("parameter " + name + " needs both Adam moments or neither");
            }
            if (firstMoment != null && (firstMoment.length != values.length || secondMoment.length != values.length)) {
                throw new IllegalArgumentException(
                        "parameter " + name + " has moments of a different size than its " + values.length + " values");
            }
            this.firstMoment = firstMoment;
            this.secondMoment = secondMoment;
        }

        public String name() {
            return name;
        }

        public long[] shape() {
            return shape.clone();
        }

        public int size() {
            return values.length;
        }

        public float[] values() {
            return values.clone();
        }

        public boolean hasMoments() {
            return firstMoment != null;
        }

        /** Adam's first moment (exp_avg in torch). */
        public float[] firstMoment() {
            return requireMoments(firstMoment).clone();
        }

        /** Adam's second moment (exp_avg_sq in torch). */
        public float[] secondMoment() {
            return requireMoments(secondMoment).clone();
        }

        /**
         * The values as a read-only view, for exporters (safetensors artifacts) that stream
         * tensors out and must not copy a large model once more just to read it.
         */
        public FloatBuffer valuesView() {
            return FloatBuffer.wrap(values).asReadOnlyBuffer();
        }

        /** Adam's first moment as a read-only view; see {@link #valuesView()}. */
        public FloatBuffer firstMomentView() {
            return FloatBuffer.wrap(requireMoments(firstMoment)).asReadOnlyBuffer();
        }

        /** Adam's second moment as a read-only view; see {@link #valuesView()}. */
        public FloatBuffer secondMomentView() {
            return FloatBuffer.wrap(requireMoments(secondMoment)).asReadOnlyBuffer();
        }

        long[] shapeRef() {
            return shape;
        }

        float[] valuesRef() {
            return values;
        }

        float[] firstMomentRef() {
            return firstMoment;
        }

        float[] secondMomentRef() {
            return secondMoment;
        }

        private float[] requireMoments(float[] moment) {
            if (moment == null) {
                throw new IllegalStateException("parameter " + name + " has no optimizer moments (SGD state)");
            }
            return moment;
        }

        @Override
        public boolean equals(Object o) {
            if (this == o) {
                return true;
            }
            if (!(o instanceof ParameterState)) {
                return false;
            }
            ParameterState other = (ParameterState) o;
            return name.equals(other.name)
                    && Arrays.equals(shape, other.shape)
                    && Arrays.equals(values, other.values)
                    && Arrays.equals(firstMoment, other.firstMoment)
                    && Arrays.equals(secondMoment, other.secondMoment);
        }

        @Override
        public int hashCode() {
            int h = name.hashCode();
            h = 31 * h + Arrays.hashCode(shape);
            h = 31 * h + Arrays.hashCode(values);
            h = 31 * h + Arrays.hashCode(firstMoment);
            h = 31 * h + Arrays.hashCode(secondMoment);
            return h;
        }

        @Override
        public String toString() {
            return name + Arrays.toString(shape);
        }
    }
}
