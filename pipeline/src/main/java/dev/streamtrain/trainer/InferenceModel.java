package dev.streamtrain.trainer;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.translate.NoBatchifyTranslator;
import ai.djl.translate.TranslateException;
import ai.djl.translate.TranslatorContext;
import ai.djl.util.Pair;
import dev.streamtrain.store.SafetensorsReader.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A trained model for inference only: the DJL block of a {@link ModelSpec} with the weights of a
 * {@code model.safetensors} (torch names), answering batches of feature rows.
 *
 * <p>Thread-safe: DJL predictors are not, so each call borrows one from a pool (a new one when all
 * are busy; at most one per concurrent caller is ever created) and gives it back. The weights never
 * change after construction. {@link #close()} must only be called once no call is in flight.
 */
public final class InferenceModel implements AutoCloseable {
    private final ModelSpec spec;
    private final Model model;
    private final Queue<Predictor<float[], float[]>> idle = new ConcurrentLinkedQueue<>();
    private final Queue<Predictor<float[], float[]>> all = new ConcurrentLinkedQueue<>();

    private InferenceModel(ModelSpec spec, Model model) {
        this.spec = spec;
        this.model = model;
    }

    /**
     * @param tensors the parameters by torch name ({@code 0.weight}, {@code 0.bias}, …), as in the artifact
     * @param device  where to run: CPU, or the GPU when asked and present
     * @throws IllegalArgumentException when the tensors do not fit the spec (names, shapes)
     */
    public static InferenceModel load(ModelSpec spec, Map<String, Tensor> tensors, ModelSpec.DeviceChoice device) {
        List<String> names = spec.torchParameterNames();
        List<long[]> shapes = spec.torchParameterShapes();
        if (!tensors.keySet().equals(new HashSet<>(names))) {
            throw new IllegalArgumentException(
                    "the weights hold " + tensors.keySet() + " but the model config needs " + names);
        }
        for (int i = 0; i < names.size(); i++) {
            if (!Arrays.equals(tensors.get(names.get(i)).shape(), shapes.get(i))) {
                throw new IllegalArgumentException(names.get(i) + " has shape "
                        + Arrays.toString(tensors.get(names.get(i)).shape()) + " but the model config needs "
                        + Arrays.toString(shapes.get(i)));
            }
        }
        Engine engine = Engine.getEngine("PyTorch");
        Device target = DeviceSelection.resolve(device, engine);
        Model model = Model.newInstance("streamtrain-serve", target, "PyTorch");
        try {
            SequentialBlock block = ModelBlocks.sequential(spec);
            block.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, spec.inputDim()));
            List<Parameter> parameters = new ArrayList<>();
            for (Pair<String, Parameter> p : block.getParameters()) {
                parameters.add(p.getValue());
            }
            for (int i = 0; i < names.size(); i++) { // DJL's order is torch's (checked by DjlTrainer too)
                NDArray array = parameters.get(i).getArray();
                if (!Arrays.equals(array.getShape().getShape(), shapes.get(i))) {
                    throw new IllegalStateException("DJL parameter " + i + " is " + array.getShape() + ", not "
                            + Arrays.toString(shapes.get(i)));
                }
                array.set(tensors.get(names.get(i)).values());
            }
            model.setBlock(block);
            return new InferenceModel(spec, model);
        } catch (RuntimeException | Error e) {
            model.close();
            throw e;
        }
    }

    public ModelSpec spec() {
        return spec;
    }

    /** Raw outputs (logits for the classification losses), rows × outputDim, row-major. */
    public float[] predict(float[] features, int rows) throws TranslateException {
        if (rows < 1 || features.length != rows * spec.inputDim()) {
            throw new IllegalArgumentException("expected " + rows + " rows of " + spec.inputDim() + " features, got "
                    + features.length + " values");
        }
        Predictor<float[], float[]> predictor = idle.poll();
        if (predictor == null) {
            predictor = model.newPredictor(new RowsTranslator(spec.inputDim()));
            all.add(predictor);
        }
        try {
            return predictor.predict(features);
        } finally {
            idle.add(predictor);
        }
    }

    @Override
    public void close() {
        all.forEach(Predictor::close);
        model.close();
    }

    /** float[] rows × inputDim in, float[] rows × outputDim out; no batchifier: the caller's batch is the batch. */
    private record RowsTranslator(int inputDim) implements NoBatchifyTranslator<float[], float[]> {
        @Override
        public NDList processInput(TranslatorContext ctx, float[] input) {
            return new NDList(ctx.getNDManager().create(input, new Shape(input.length / inputDim, inputDim)));
        }

        @Override
        public float[] processOutput(TranslatorContext ctx, NDList list) {
            return list.singletonOrThrow().toFloatArray();
        }
    }
}
