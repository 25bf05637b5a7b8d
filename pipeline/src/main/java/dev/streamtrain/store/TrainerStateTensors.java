package dev.streamtrain.store;

import dev.streamtrain.store.SafetensorsWriter.Tensor;
import dev.streamtrain.trainer.ModelSpec;
import dev.streamtrain.trainer.TrainerState;
import dev.streamtrain.trainer.TrainerState.ParameterState;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which tensors and metadata go into an artifact's two safetensors files.
 *
 * <p>{@code model.safetensors} holds the parameters under the names of the equivalent {@code
 * torch.nn.Sequential} ({@code 0.weight}, {@code 0.bias}, {@code 2.weight}, …), so that
 * {@code model.load_state_dict(safetensors.torch.load_file(path), strict=True)} works. Its
 * metadata carries {@code format=pt}, as {@code safetensors.torch.save_file} writes.
 *
 * <p>{@code optimizer.safetensors} holds what resuming needs beyond the weights. Torch saves
 * optimizer state with pickle ({@code optimizer.state_dict()}), which is unsafe to load from an
 * untrusted bucket and has no Java writer; safetensors is safe, and the mapping to torch is
 * mechanical: for the i-th parameter {@code <name>}, {@code state[i] = {"step":
 * tensor(float(step)), "exp_avg": t["<name>.exp_avg"], "exp_avg_sq": t["<name>.exp_avg_sq"]}} and
 * {@code param_groups = [{"lr": lr, "betas": betas, "eps": eps, ...}]} from the metadata. SGD
 * (without momentum) has no per-parameter state: the file then holds metadata only.
 */
public final class TrainerStateTensors {

    public static final String EXP_AVG_SUFFIX = ".exp_avg";
    public static final String EXP_AVG_SQ_SUFFIX = ".exp_avg_sq";

    /** Version of the optimizer file's layout, in its metadata as {@code streamtrain.format}. */
    public static final String OPTIMIZER_FORMAT = "streamtrain-optimizer/1";

    // The constants of the project's Adam (see ModelSpec.Optimizer.ADAM), recorded so that a
    // reader rebuilding torch.optim.Adam needs nothing else.
    private static final String ADAM_BETAS = "0.9,0.999";
    private static final String ADAM_EPS = "1e-08";

    private TrainerStateTensors() {}

    /** The parameters, torch names and shapes, in {@code state_dict()} order. */
    public static List<Tensor> weights(TrainerState state) {
        List<Tensor> tensors = new ArrayList<>(state.parameters().size());
        for (ParameterState p : state.parameters()) {
            tensors.add(new Tensor(p.name(), p.shape(), p.valuesView()));
        }
        return tensors;
    }

    /** {@code format=pt} (what torch's writer records) plus where the weights came from. */
    public static Map<String, String> weightsMetadata(ModelSpec spec, long epoch) {
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("format", "pt");
        metadata.put("streamtrain.epoch", Long.toString(epoch));
        metadata.put(
                "streamtrain.model",
                spec.kind() + " " + spec.inputDim() + "->" + spec.hiddenSizes() + "->" + spec.outputDim() + " "
                        + spec.activation());
        return metadata;
    }

    /** Adam's moments as {@code <name>.exp_avg} / {@code <name>.exp_avg_sq}; none for SGD. */
    public static List<Tensor> optimizerTensors(TrainerState state) {
        List<Tensor> tensors = new ArrayList<>();
        for (ParameterState p : state.parameters()) {
            if (p.hasMoments()) {
                tensors.add(new Tensor(p.name() + EXP_AVG_SUFFIX, p.shape(), p.firstMomentView()));
                tensors.add(new Tensor(p.name() + EXP_AVG_SQ_SUFFIX, p.shape(), p.secondMomentView()));
            }
        }
        return tensors;
    }

    /** Optimizer name, step count and hyper-parameters, as strings (safetensors requires it). */
    public static Map<String, String> optimizerMetadata(ModelSpec spec, TrainerState state) {
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("format", "pt");
        metadata.put("streamtrain.format", OPTIMIZER_FORMAT);
        metadata.put("optimizer", state.optimizer().name());
        metadata.put("step", Long.toString(state.steps()));
        metadata.put("lr", Float.toString(spec.learningRate()));
        if (state.optimizer() == ModelSpec.Optimizer.ADAM) {
            metadata.put("betas", ADAM_BETAS);
            metadata.put("eps", ADAM_EPS);
            metadata.put("weight_decay", "0");
        } else {
            metadata.put("momentum", "0");
        }
        metadata.put("parameters", String.join(",", state.parameterNames()));
        return metadata;
    }

    /**
     * The trainer state an artifact's two files hold, the inverse of {@link #weights} and {@link
     * #optimizerTensors}: parameters in the spec's torch order, Adam's moments when the spec's
     * optimizer has them, and the manifest's step count.
     *
     * @throws IOException naming the tensor that is missing or has the wrong shape
     */
    public static TrainerState fromFiles(ModelSpec spec, long steps, byte[] modelFile, byte[] optimizerFile)
            throws IOException {
        Map<String, SafetensorsReader.Tensor> weights = SafetensorsReader.read(modelFile);
        Map<String, SafetensorsReader.Tensor> moments = SafetensorsReader.read(optimizerFile);
        boolean adam = spec.optimizer() == ModelSpec.Optimizer.ADAM;
        List<String> names = spec.torchParameterNames();
        List<long[]> shapes = spec.torchParameterShapes();
        List<ParameterState> parameters = new ArrayList<>(names.size());
        for (int i = 0; i < names.size(); i++) {
            String name = names.get(i);
            float[] values = tensor(weights, name, shapes.get(i), "model.safetensors");
            if (adam) {
                parameters.add(ParameterState.withMoments(
                        name,
                        shapes.get(i),
                        values,
                        tensor(moments, name + EXP_AVG_SUFFIX, shapes.get(i), "optimizer.safetensors"),
                        tensor(moments, name + EXP_AVG_SQ_SUFFIX, shapes.get(i), "optimizer.safetensors")));
            } else {
                parameters.add(ParameterState.of(name, shapes.get(i), values));
            }
        }
        return new TrainerState(spec.optimizer(), steps, parameters);
    }

    private static float[] tensor(Map<String, SafetensorsReader.Tensor> tensors, String name, long[] shape, String file)
            throws IOException {
        SafetensorsReader.Tensor t = tensors.get(name);
        if (t == null) {
            throw new IOException(file + " has no tensor " + name + " (it has " + tensors.keySet() + ")");
        }
        if (!Arrays.equals(t.shape(), shape)) {
            throw new IOException(file + ": tensor " + name + " has shape " + Arrays.toString(t.shape())
                    + " but the model needs " + Arrays.toString(shape));
        }
        return t.values();
    }

    /**
     * Checks that a state belongs to a spec before it is exported under the spec's name: the
     * artifact would otherwise load into the wrong torch module.
     *
     * @throws IllegalArgumentException naming the first difference
     */
    public static void requireMatches(ModelSpec spec, TrainerState state) {
        if (state.optimizer() != spec.optimizer()) {
            throw new IllegalArgumentException(
                    "state has optimizer " + state.optimizer() + " but the spec says " + spec.optimizer());
        }
        List<String> names = spec.torchParameterNames();
        if (!state.parameterNames().equals(names)) {
            throw new IllegalArgumentException("state holds parameters " + state.parameterNames()
                    + " but the spec's torch" + " module has " + names);
        }
        List<long[]> shapes = spec.torchParameterShapes();
        for (int i = 0; i < names.size(); i++) {
            long[] actual = state.parameters().get(i).shape();
            if (!Arrays.equals(actual, shapes.get(i))) {
                throw new IllegalArgumentException("state parameter " + names.get(i) + " has shape "
                        + Arrays.toString(actual) + " but the spec needs "
                        + Arrays.toString(shapes.get(i)));
            }
        }
    }
}
