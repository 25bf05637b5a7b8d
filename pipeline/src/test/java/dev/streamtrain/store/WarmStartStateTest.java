package dev.streamtrain.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamtrain.trainer.ModelSpec;
import dev.streamtrain.trainer.TrainerState;
import dev.streamtrain.trainer.TrainerState.ParameterState;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code model.init-from}'s files: the state they give, and every way they can fail to fit the model. */
class WarmStartStateTest {
    private static final ModelSpec SPEC = TrainedStates.SPEC; // MLP 6 -> [16, 8] -> 2, Adam

    @Test
    void weightsAloneStartWithFreshAdamStateAndStepZero() throws IOException {
        TrainerState parent = randomState(SPEC, 17);
        TrainerState warm = WarmStartState.build(SPEC, "test", modelFile(parent), null);
        assertEquals(0, warm.steps());
        for (int i = 0; i < parent.parameters().size(); i++) {
            ParameterState p = warm.parameters().get(i);
            assertArrayEquals(parent.parameters().get(i).values(), p.values(), p.name());
            assertArrayEquals(new float[p.size()], p.firstMoment(), p.name());
            assertArrayEquals(new float[p.size()], p.secondMoment(), p.name());
        }
    }

    @Test
    void withTheOptimizerFileTheStateIsTheParentsBitForBit() throws IOException {
        TrainerState parent = randomState(SPEC, 17);
        assertEquals(parent, WarmStartState.build(SPEC, "test", modelFile(parent), optimizerFile(parent)));
    }

    @Test
    void everyMismatchIsListedInOneError() throws IOException {
        // a torch-style state_dict of MLP 6 -> [16, 4] -> 2 with an extra tensor and without the last bias
        ModelSpec other = ModelSpec.builder()
                .kind(ModelSpec.Kind.MLP)
                .inputDim(6)
                .hiddenSizes(16, 4)
                .outputDim(2)
                .batchSize(16)
                .build();
        List<SafetensorsWriter.Tensor> tensors = new ArrayList<>();
        for (SafetensorsWriter.Tensor t : TrainerStateTensors.weights(randomState(other, 3))) {
            if (!t.name().equals("4.bias")) {
                tensors.add(t);
            }
        }
        tensors.add(new SafetensorsWriter.Tensor("6.weight", new long[] {1, 2}, FloatBuffer.wrap(new float[2])));

        StateDictMismatchException e = assertThrows(
                StateDictMismatchException.class,
                () -> WarmStartState.build(SPEC, "s3://b/x/model.safetensors", write(tensors, Map.of()), null));
        assertEquals(
                List.of(
                        "model.safetensors: tensor 2.weight has shape [4, 16] but the model needs [8, 16]",
                        "model.safetensors: tensor 2.bias has shape [4] but the model needs [8]",
                        "model.safetensors: tensor 4.weight has shape [2, 4] but the model needs [2, 8]",
                        "model.safetensors: missing tensor 4.bias [2]",
                        "model.safetensors: unexpected tensor 6.weight [1, 2]"),
                e.mismatches());
        assertTrue(
                e.getMessage().startsWith("s3://b/x/model.safetensors does not fit the job's model"), e.getMessage());
        assertTrue(e.getMessage().contains("5 mismatches"), e.getMessage());
        for (String m : e.mismatches()) {
            assertTrue(e.getMessage().contains(m), m);
        }
    }

    @Test
    void anOptimizerFileOfAnotherOptimizerOrWithoutMomentsIsListedToo() throws IOException {
        TrainerState parent = randomState(SPEC, 17);
        Map<String, String> sgd = Map.of("optimizer", "SGD", "step", "12");
        StateDictMismatchException e = assertThrows(
                StateDictMismatchException.class,
                () -> WarmStartState.build(SPEC, "test", modelFile(parent), write(List.of(), sgd)));
        assertEquals(
                "optimizer.safetensors holds SGD state but the job trains with ADAM",
                e.mismatches().get(0));
        // both moments of each of the 6 parameters are missing
        assertEquals(1 + 2 * SPEC.torchParameterNames().size(), e.mismatches().size(), e.getMessage());
        assertTrue(e.mismatches().contains("optimizer.safetensors: missing tensor 0.weight.exp_avg [16, 6]"));
    }

    @Test
    void aLocalEpochFolderMeansItsModelFileAndTheParentIsItsUriAndSha256(@TempDir Path dir) throws IOException {
        TrainerState parent = randomState(SPEC, 17);
        byte[] model = modelFile(parent);
        Files.write(dir.resolve(ArtifactLayout.MODEL_FILE), model);

        WarmStart warm = WarmStart.load(SPEC, dir.toString(), false, null);
        assertEquals(
                dir.resolve(ArtifactLayout.MODEL_FILE).toUri().toString(),
                warm.parent().uri());
        assertEquals(HashingOutputStream.sha256Hex(model), warm.parent().sha256());
        assertNull(warm.parent().optimizerUri());
        assertArrayEquals(
                parent.parameters().get(0).values(),
                warm.state().parameters().get(0).values());

        IOException s3WithoutClient = assertThrows(
                IOException.class, () -> WarmStart.load(SPEC, "s3://bucket/run/epoch-000001/", false, null));
        assertTrue(s3WithoutClient.getMessage().contains("s3://bucket/run/epoch-000001/model.safetensors"));
    }

    @Test
    void locationsResolveToTheWeightsFile() {
        assertEquals(
                "s3://b/e/r/m/epoch-000003/model.safetensors",
                WarmStart.modelUri("s3://b/e/r/m/epoch-000003").toString());
        assertEquals(
                "s3://b/e/r/m/epoch-000003/model.safetensors",
                WarmStart.modelUri("s3://b/e/r/m/epoch-000003/manifest.json").toString());
        assertEquals(
                "s3://b/exported.safetensors",
                WarmStart.modelUri("s3://b/exported.safetensors").toString());
    }

    private static TrainerState randomState(ModelSpec spec, long seed) {
        Random random = new Random(seed);
        List<ParameterState> parameters = new ArrayList<>();
        List<long[]> shapes = spec.torchParameterShapes();
        for (int i = 0; i < shapes.size(); i++) {
            int n = 1;
            for (long d : shapes.get(i)) {
                n *= (int) d;
            }
            parameters.add(ParameterState.withMoments(
                    spec.torchParameterNames().get(i),
                    shapes.get(i),
                    gaussian(random, n),
                    gaussian(random, n),
                    gaussian(random, n)));
        }
        return new TrainerState(ModelSpec.Optimizer.ADAM, 42, parameters);
    }

    private static byte[] modelFile(TrainerState state) throws IOException {
        return write(TrainerStateTensors.weights(state), TrainerStateTensors.weightsMetadata(SPEC, 3));
    }

    private static byte[] optimizerFile(TrainerState state) throws IOException {
        return write(TrainerStateTensors.optimizerTensors(state), TrainerStateTensors.optimizerMetadata(SPEC, state));
    }

    private static byte[] write(List<SafetensorsWriter.Tensor> tensors, Map<String, String> metadata)
            throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SafetensorsWriter.write(tensors, metadata, out);
        return out.toByteArray();
    }

    private static float[] gaussian(Random random, int n) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) random.nextGaussian();
        }
        return out;
    }
}
