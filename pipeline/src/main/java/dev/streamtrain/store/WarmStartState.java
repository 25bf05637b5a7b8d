package dev.streamtrain.store;

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
 * The trainer state a warm start ({@code model.init-from}) begins with: the weights of a safetensors
 * state_dict under the job's torch names ({@code 0.weight}, {@code 0.bias}, …), and either fresh
 * optimizer state (zero Adam moments, step 0: what a new torch.optim.Adam holds) or the moments and
 * step of an {@code optimizer.safetensors} in the layout {@link TrainerStateTensors} writes.
 *
 * <p>Unlike a restore ({@link TrainerStateTensors#fromFiles}), which stops at the first missing
 * tensor, the files here often come from elsewhere (another run, PyTorch), so every difference is
 * collected and reported at once.
 */
public final class WarmStartState {

    private WarmStartState() {}

    /**
     * @param source where the files came from, for the message
     * @param optimizerFile null: fresh optimizer state
     * @throws StateDictMismatchException listing every missing, unexpected and misshapen tensor of both files
     * @throws IOException when a file is not a readable float32 safetensors file
     */
    public static TrainerState build(ModelSpec spec, String source, byte[] modelFile, byte[] optimizerFile)
            throws IOException {
        List<String> names = spec.torchParameterNames();
        List<long[]> shapes = spec.torchParameterShapes();
        boolean adam = spec.optimizer() == ModelSpec.Optimizer.ADAM;
        Map<String, SafetensorsReader.Tensor> weights = SafetensorsReader.read(modelFile);
        Map<String, long[]> expectedWeights = new LinkedHashMap<>();
        Map<String, long[]> expectedMoments = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) {
            expectedWeights.put(names.get(i), shapes.get(i));
            if (adam) {
                expectedMoments.put(names.get(i) + TrainerStateTensors.EXP_AVG_SUFFIX, shapes.get(i));
                expectedMoments.put(names.get(i) + TrainerStateTensors.EXP_AVG_SQ_SUFFIX, shapes.get(i));
            }
        }
        List<String> problems = new ArrayList<>(mismatches(expectedWeights, weights, ArtifactLayout.MODEL_FILE));
        Map<String, SafetensorsReader.Tensor> moments = Map.of();
        long steps = 0;
        if (optimizerFile != null) {
            moments = SafetensorsReader.read(optimizerFile);
            Map<String, String> metadata = SafetensorsReader.metadata(optimizerFile);
            String optimizer = metadata.get("optimizer");
            if (optimizer != null && !optimizer.equals(spec.optimizer().name())) {
                problems.add(ArtifactLayout.OPTIMIZER_FILE + " holds " + optimizer + " state but the job trains with "
                        + spec.optimizer());
            }
            problems.addAll(mismatches(expectedMoments, moments, ArtifactLayout.OPTIMIZER_FILE));
            steps = steps(metadata, problems);
        }
        if (!problems.isEmpty()) {
            throw new StateDictMismatchException(
                    source + " does not fit the job's model (" + describe(spec) + ")", problems);
        }
        List<ParameterState> parameters = new ArrayList<>(names.size());
        for (int i = 0; i < names.size(); i++) {
            String name = names.get(i);
            float[] values = weights.get(name).values();
            if (!adam) {
                parameters.add(ParameterState.of(name, shapes.get(i), values));
            } else if (optimizerFile != null) {
                parameters.add(ParameterState.withMoments(
                        name,
                        shapes.get(i),
                        values,
                        moments.get(name + TrainerStateTensors.EXP_AVG_SUFFIX).values(),
                        moments.get(name + TrainerStateTensors.EXP_AVG_SQ_SUFFIX)
                                .values()));
            } else {
                parameters.add(ParameterState.withMoments(
                        name, shapes.get(i), values, new float[values.length], new float[values.length]));
            }
        }
        return new TrainerState(spec.optimizer(), steps, parameters);
    }

    /**
     * Every difference between the tensors a model needs and those a file holds: missing names
     * (with the shape needed), unexpected names (with their shape), and shape mismatches (both shapes).
     *
     * @param expected name → shape, in the order to report
     */
    public static List<String> mismatches(
            Map<String, long[]> expected, Map<String, SafetensorsReader.Tensor> actual, String file) {
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            SafetensorsReader.Tensor t = actual.get(e.getKey());
            if (t == null) {
                problems.add(file + ": missing tensor " + e.getKey() + " " + Arrays.toString(e.getValue()));
            } else if (!Arrays.equals(t.shape(), e.getValue())) {
                problems.add(file + ": tensor " + e.getKey() + " has shape " + Arrays.toString(t.shape())
                        + " but the model needs " + Arrays.toString(e.getValue()));
            }
        }
        for (Map.Entry<String, SafetensorsReader.Tensor> t : actual.entrySet()) {
            if (!expected.containsKey(t.getKey())) {
                problems.add(file + ": unexpected tensor " + t.getKey() + " "
                        + Arrays.toString(t.getValue().shape()));
            }
        }
        return problems;
    }

    private static long steps(Map<String, String> metadata, List<String> problems) {
        String step = metadata.get("step");
        if (step == null) {
            problems.add(
                    ArtifactLayout.OPTIMIZER_FILE + ": no 'step' in its metadata (Adam's bias correction needs it)");
            return 0;
        }
        try {
            long steps = Long.parseLong(step.strip());
            if (steps >= 0) {
                return steps;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        problems.add(ArtifactLayout.OPTIMIZER_FILE + ": metadata 'step' is " + step + ", not a count");
        return 0;
    }

    private static String describe(ModelSpec spec) {
        return spec.kind() + " " + spec.inputDim() + "->" + spec.hiddenSizes() + "->" + spec.outputDim() + ", "
                + spec.optimizer();
    }
}
