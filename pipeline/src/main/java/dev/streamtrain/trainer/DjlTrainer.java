package dev.streamtrain.trainer;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.Pair;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains a {@link ModelSpec} network with DJL's PyTorch engine, one mini-batch at a time, and
 * snapshots/restores it exactly.
 *
 * <p>The hot path ({@link #trainBatch}) allocates no direct memory: inputs go through buffers
 * reused across batches ({@link BatchStaging}), every per-batch NDArray lives in a sub-manager
 * closed at the end of the step, and the optimizer is one fused native call per parameter
 * ({@link ParameterUpdater}).
 *
 * <p>Not thread-safe: one trainer per operator instance, called from one thread at a time.
 * Several trainers may train concurrently on different threads. Thread-pool sizes are DJL's
 * ({@code ai.djl.pytorch.num_threads}, {@code ai.djl.pytorch.num_interop_threads}); this class
 * does not touch them.
 */
public final class DjlTrainer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DjlTrainer.class);
    private static final String ENGINE_NAME = "PyTorch";

    private final ModelSpec spec;
    private final Device device;
    private final String deviceDescription;
    private final NDManager manager;
    private final SequentialBlock block;
    private final ParameterStore parameterStore;
    private final List<NDArray> parameters;
    private final ParameterUpdater updater;
    private final LossFunction loss;
    private final BatchStaging staging;
    private final NDArray backwardSeed;
    private long steps;
    private boolean closed;

    private DjlTrainer(ModelSpec spec, TrainerState state) {
        this.spec = spec;
        Engine engine = Engine.getEngine(ENGINE_NAME);
        this.device = DeviceSelection.resolve(spec.device(), engine);
        this.deviceDescription = device + " (" + engine.getEngineName() + " " + engine.getVersion() + ", requested "
                + spec.device() + ")";
        this.manager = engine.newBaseManager(device);
        try {
            this.block = ModelBlocks.sequential(spec);
            // Zeros, so that DJL's initializers never draw from the engine's global RNG; the
            // real values are written right after.
            block.setInitializer(Initializer.ZEROS, parameter -> true);
            block.initialize(manager, DataType.FLOAT32, new Shape(spec.batchSize(), spec.inputDim()));
            this.parameters = parametersInTorchOrder(block, spec);
            this.parameterStore = new ParameterStore(manager, false);
            this.updater = ParameterUpdater.create(spec, manager, parameters);
            this.loss = LossFunction.of(spec.loss());
            this.staging = new BatchStaging(manager, spec);
            this.backwardSeed = manager.ones(new Shape(), DataType.FLOAT32);
            if (state == null) {
                loadValues(TorchDefaultInit.initialValues(spec));
            } else {
                loadState(state);
            }
        } catch (RuntimeException | Error e) {
            manager.close();
            throw e;
        }
        LOG.info("DJL trainer for {} on {}", spec, deviceDescription);
    }

    /** A trainer with fresh parameters drawn deterministically from {@link ModelSpec#seed()}. */
    public static DjlTrainer create(ModelSpec spec) {
        return new DjlTrainer(spec, null);
    }

    /**
     * A trainer that continues exactly where {@code state} was taken: parameters, optimizer
     * moments and step count.
     *
     * @throws IllegalArgumentException when the state does not fit the spec (other parameter
     *     names or shapes, or another optimizer)
     */
    public static DjlTrainer restore(ModelSpec spec, TrainerState state) {
        checkCompatible(spec, state);
        return new DjlTrainer(spec, state);
    }

    /**
     * One forward/backward/optimizer step on {@code rows} rows.
     *
     * @param features row-major, at least rows * inputDim values (extra values are ignored)
     * @param labels at least rows * outputDim targets, or for {@link
     *     ModelSpec.Loss#SOFTMAX_CROSS_ENTROPY} one class index per row
     * @param rows 1..batchSize; a partial final batch is fine
     * @return the batch's mean loss before the update
     * @throws IllegalArgumentException for bad arguments, before any native call; an exception
     *     from native code after the backward pass may leave parameters half-updated, so the
     *     caller should then restore from its last snapshot
     */
    public float trainBatch(float[] features, float[] labels, int rows) {
        return trainBatch(features, labels, 0, rows);
    }

    /**
     * Trains on rows [firstRow, firstRow + rows) of row-major {@code features} and {@code labels}: a
     * mini-batch taken straight out of a larger block, without copying it into a batch buffer first.
     */
    public float trainBatch(float[] features, float[] labels, int firstRow, int rows) {
        ensureOpen();
        checkRows(rows, spec.batchSize(), "trainBatch");
        if (firstRow < 0) {
            throw new IllegalArgumentException("trainBatch: firstRow must be >= 0, got " + firstRow);
        }
        checkInputs(features, labels, firstRow + rows);
        staging.stageFeatures(features, firstRow, rows);
        staging.stageLabels(labels, firstRow, rows);
        try (NDManager step = manager.newSubManager();
                Autograd recording = Autograd.recording()) {
            NDArray predictions = forward(staging.features(step, rows), true);
            NDArray lossValue = loss.compute(predictions, staging.labels(step, rows));
            Autograd.backward(lossValue, backwardSeed);
            float meanLoss = lossValue.toFloatArray()[0];
            long nextStep = steps + 1;
            for (int i = 0; i < parameters.size(); i++) {
                NDArray gradient = Autograd.gradientOf(parameters.get(i));
                if (gradient == null) {
                    continue; // no gradient reached it; torch.optim skips such parameters too
                }
                gradient.attach(step); // closes the handle, not the gradient, with the step
                updater.update(i, parameters.get(i), gradient, nextStep);
            }
            steps = nextStep;
            return meanLoss;
        }
    }

    /**
     * Raw network outputs (logits for the classification losses), row-major rows *
     * outputDim. Any number of rows; large inputs are processed batchSize rows at a time.
     */
    public float[] predict(float[] features, int rows) {
        ensureOpen();
        checkRows(rows, Integer.MAX_VALUE, "predict");
        requireLength(features, (long) rows * spec.inputDim(), "features", rows, "inputDim");
        float[] out = new float[rows * spec.outputDim()];
        for (int first = 0; first < rows; first += staging.capacityRows()) {
            int chunk = Math.min(staging.capacityRows(), rows - first);
            staging.stageFeatures(features, first, chunk);
            try (NDManager step = manager.newSubManager();
                    Autograd noGraph = Autograd.disabled()) {
                float[] chunkOut = forward(staging.features(step, chunk), false).toFloatArray();
                System.arraycopy(chunkOut, 0, out, first * spec.outputDim(), chunkOut.length);
            }
        }
        return out;
    }

    /** The mean loss over {@code rows} rows without training; labels as in trainBatch. */
    public float evaluateLoss(float[] features, float[] labels, int rows) {
        ensureOpen();
        checkRows(rows, Integer.MAX_VALUE, "evaluateLoss");
        checkInputs(features, labels, rows);
        double weightedSum = 0;
        for (int first = 0; first < rows; first += staging.capacityRows()) {
            int chunk = Math.min(staging.capacityRows(), rows - first);
            staging.stageFeatures(features, first, chunk);
            staging.stageLabels(labels, first, chunk);
            try (NDManager step = manager.newSubManager();
                    Autograd noGraph = Autograd.disabled()) {
                NDArray predictions = forward(staging.features(step, chunk), false);
                NDArray lossValue = loss.compute(predictions, staging.labels(step, chunk));
                // every loss is a per-row mean, so weighting chunks by rows gives the overall mean
                weightedSum += (double) lossValue.toFloatArray()[0] * chunk;
            }
        }
        return (float) (weightedSum / rows);
    }

    /**
     * Copies parameters and optimizer state off the device as plain arrays. Raw copies, not
     * {@code Block.saveParameters}, which is about 4x slower for large models.
     */
    public TrainerState snapshot() {
        ensureOpen();
        List<String> names = spec.torchParameterNames();
        List<long[]> shapes = spec.torchParameterShapes();
        List<TrainerState.ParameterState> out = new ArrayList<>(parameters.size());
        try (NDManager scratch = manager.newSubManager()) {
            for (int i = 0; i < parameters.size(); i++) {
                float[] values = copyToHost(parameters.get(i), scratch);
                NDArray[] optimizerState = updater.stateOf(i);
                float[] first = null;
                float[] second = null;
                if (optimizerState.length == 2) {
                    first = copyToHost(optimizerState[0], scratch);
                    second = copyToHost(optimizerState[1], scratch);
                }
                out.add(new TrainerState.ParameterState(names.get(i), shapes.get(i), values, first, second));
            }
        }
        return new TrainerState(updater.kind(), steps, out);
    }

    /**
     * Replaces parameters, optimizer moments and step count with {@code state}'s, in place: the
     * divergence guard's way back to the last good window.
     *
     * @throws IllegalArgumentException when the state does not fit the spec
     */
    public void load(TrainerState state) {
        ensureOpen();
        checkCompatible(spec, state);
        loadState(state);
    }

    /** The device training runs on, as DJL names it: {@code cpu()}, {@code gpu(0)}. */
    public String device() {
        return device.toString();
    }

    /** The device training actually runs on, with the engine version, for logs and events. */
    public String deviceDescription() {
        return deviceDescription;
    }

    /** Optimizer steps taken, including those before a restore. */
    public long steps() {
        return steps;
    }

    public ModelSpec spec() {
        return spec;
    }

    /** Frees every native resource; idempotent. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            manager.close();
        }
    }

    /** How many resources the long-lived manager holds; a constant once training runs. */
    int liveResourceCount() {
        return ((BaseNDManager) manager).getManagedArrays().size();
    }

    private NDArray forward(NDArray input, boolean training) {
        NDList out = block.forward(parameterStore, new NDList(input), training);
        return out.singletonOrThrow();
    }

    private void loadValues(List<float[]> values) {
        for (int i = 0; i < parameters.size(); i++) {
            // One-time copy per parameter (this allocates a direct buffer that becomes the
            // parameter's storage on the CPU), never on the per-batch path.
            parameters.get(i).set(values.get(i));
        }
    }

    private void loadState(TrainerState state) {
        List<float[]> values = new ArrayList<>(parameters.size());
        for (TrainerState.ParameterState p : state.parameters()) {
            values.add(p.valuesRef());
        }
        loadValues(values);
        for (int i = 0; i < parameters.size(); i++) {
            NDArray[] optimizerState = updater.stateOf(i);
            if (optimizerState.length == 2) {
                TrainerState.ParameterState p = state.parameters().get(i);
                optimizerState[0].set(p.firstMomentRef());
                optimizerState[1].set(p.secondMomentRef());
            }
        }
        steps = state.steps();
    }

    /**
     * Copies one array to a Java array. The array is temporarily attached to {@code scratch}
     * because reading a GPU array makes a CPU copy in the array's own manager, which would
     * otherwise accumulate in the trainer's long-lived manager.
     */
    private static float[] copyToHost(NDArray array, NDManager scratch) {
        array.tempAttach(scratch);
        return array.toFloatArray();
    }

    private static List<NDArray> parametersInTorchOrder(SequentialBlock block, ModelSpec spec) {
        List<NDArray> arrays = new ArrayList<>();
        for (Pair<String, Parameter> pair : block.getParameters()) {
            arrays.add(pair.getValue().getArray());
        }
        // DJL lists Linear parameters weight-then-bias per layer, in block order: the torch
        // order. Checked rather than assumed, since every snapshot depends on it.
        List<long[]> expected = spec.torchParameterShapes();
        if (arrays.size() != expected.size()) {
            throw new IllegalStateException(
                    "DJL block has " + arrays.size() + " parameters, expected " + expected.size() + " for " + spec);
        }
        for (int i = 0; i < arrays.size(); i++) {
            long[] actual = arrays.get(i).getShape().getShape();
            if (!Arrays.equals(actual, expected.get(i))) {
                throw new IllegalStateException("DJL parameter " + i + " has shape " + Arrays.toString(actual)
                        + " but torch's " + spec.torchParameterNames().get(i) + " has "
                        + Arrays.toString(expected.get(i)));
            }
        }
        return arrays;
    }

    private static void checkCompatible(ModelSpec spec, TrainerState state) {
        if (state.optimizer() != spec.optimizer()) {
            throw new IllegalArgumentException("state was trained with optimizer=" + state.optimizer()
                    + " but the spec says " + spec.optimizer() + "; restore with the original optimizer");
        }
        List<String> names = spec.torchParameterNames();
        List<long[]> shapes = spec.torchParameterShapes();
        if (!state.parameterNames().equals(names)) {
            throw new IllegalArgumentException(
                    "state holds parameters " + state.parameterNames() + " but the spec needs " + names);
        }
        for (int i = 0; i < names.size(); i++) {
            long[] actual = state.parameters().get(i).shapeRef();
            if (!Arrays.equals(actual, shapes.get(i))) {
                throw new IllegalArgumentException("state parameter " + names.get(i) + " has shape "
                        + Arrays.toString(actual) + " but the spec needs "
                        + Arrays.toString(shapes.get(i)));
            }
        }
    }

    private void checkInputs(float[] features, float[] labels, int rows) {
        requireLength(features, (long) rows * spec.inputDim(), "features", rows, "inputDim");
        if (spec.loss() == ModelSpec.Loss.SOFTMAX_CROSS_ENTROPY) {
            requireLength(labels, rows, "labels", rows, "1 class index");
        } else {
            requireLength(labels, (long) rows * spec.outputDim(), "labels", rows, "outputDim");
        }
    }

    private static void requireLength(float[] array, long needed, String what, int rows, String perRow) {
        if (array == null || array.length < needed) {
            throw new IllegalArgumentException(what + " must hold at least " + needed + " values (" + rows + " rows x "
                    + perRow + "), got "
                    + (array == null ? "null" : String.valueOf(array.length)));
        }
    }

    private static void checkRows(int rows, int max, String method) {
        if (rows < 1 || rows > max) {
            throw new IllegalArgumentException(method + ": rows must be in [1, " + max + "], got " + rows);
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("DjlTrainer is closed");
        }
    }
}
