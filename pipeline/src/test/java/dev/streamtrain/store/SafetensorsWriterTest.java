package dev.streamtrain.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamtrain.store.SafetensorsTestReader.Parsed;
import dev.streamtrain.trainer.DjlTrainer;
import dev.streamtrain.trainer.ModelSpec;
import dev.streamtrain.trainer.TrainerState;
import dev.streamtrain.trainer.TrainerState.ParameterState;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The safetensors bytes, checked by an independent parser and by recomputing the network in plain Java. */
class SafetensorsWriterTest {

    private static final ModelSpec MLP = ModelSpec.builder()
            .kind(ModelSpec.Kind.MLP)
            .inputDim(5)
            .hiddenSizes(7, 4)
            .outputDim(3)
            .activation(ModelSpec.Activation.RELU)
            .optimizer(ModelSpec.Optimizer.ADAM)
            .learningRate(0.01f)
            .batchSize(8)
            .seed(42)
            .device(ModelSpec.DeviceChoice.CPU)
            .build();

    @Test
    void weightsReproduceTheTrainersPredictionsInPlainJava() throws IOException {
        float[] x = gaussian(new Random(1), 20 * MLP.inputDim());
        TrainerState state;
        float[] predicted;
        try (DjlTrainer trainer = DjlTrainer.create(MLP)) {
            Random random = new Random(2);
            for (int step = 0; step < 4; step++) {
                trainer.trainBatch(gaussian(random, 8 * 5), gaussian(random, 8 * 3), 8);
            }
            state = trainer.snapshot();
            predicted = trainer.predict(x, 20);
        }

        Parsed parsed = SafetensorsTestReader.parse(weightsFile(state));

        assertEquals(
                MLP.torchParameterNames(), List.copyOf(parsed.tensors().keySet()), "torch names, state_dict order");
        List<long[]> shapes = MLP.torchParameterShapes();
        for (int i = 0; i < shapes.size(); i++) {
            assertArrayEquals(
                    shapes.get(i), parsed.shapes().get(MLP.torchParameterNames().get(i)));
        }
        assertEquals("pt", parsed.metadata().get("format"));
        float[] recomputed = forward(parsed.tensors(), x, 20);
        assertEquals(predicted.length, recomputed.length);
        for (int i = 0; i < predicted.length; i++) {
            assertEquals(predicted[i], recomputed[i], 1e-5, "output " + i);
        }
    }

    @Test
    void optimizerFileHoldsAdamMomentsAndStepBitForBit() throws IOException {
        TrainerState state;
        try (DjlTrainer trainer = DjlTrainer.create(MLP)) {
            Random random = new Random(3);
            for (int step = 0; step < 3; step++) {
                trainer.trainBatch(gaussian(random, 8 * 5), gaussian(random, 8 * 3), 8);
            }
            state = trainer.snapshot();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SafetensorsWriter.write(
                TrainerStateTensors.optimizerTensors(state), TrainerStateTensors.optimizerMetadata(MLP, state), out);
        Parsed parsed = SafetensorsTestReader.parse(out.toByteArray());

        assertEquals(2 * state.parameters().size(), parsed.tensors().size());
        for (ParameterState p : state.parameters()) {
            assertArrayEquals(p.firstMoment(), parsed.tensors().get(p.name() + ".exp_avg"), p.name());
            assertArrayEquals(p.secondMoment(), parsed.tensors().get(p.name() + ".exp_avg_sq"), p.name());
            assertArrayEquals(p.shape(), parsed.shapes().get(p.name() + ".exp_avg"));
        }
        assertEquals("3", parsed.metadata().get("step"));
        assertEquals("ADAM", parsed.metadata().get("optimizer"));
        assertEquals("0.01", parsed.metadata().get("lr"));
        assertEquals("0.9,0.999", parsed.metadata().get("betas"));
    }

    @Test
    void sgdOptimizerFileIsMetadataOnly() throws IOException {
        ModelSpec sgd = MLP.toBuilder().optimizer(ModelSpec.Optimizer.SGD).build();
        TrainerState state;
        try (DjlTrainer trainer = DjlTrainer.create(sgd)) {
            state = trainer.snapshot();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SafetensorsWriter.write(
                TrainerStateTensors.optimizerTensors(state), TrainerStateTensors.optimizerMetadata(sgd, state), out);
        Parsed parsed = SafetensorsTestReader.parse(out.toByteArray());
        assertTrue(parsed.tensors().isEmpty());
        assertEquals("SGD", parsed.metadata().get("optimizer"));
        assertEquals("0", parsed.metadata().get("step"));
    }

    @Test
    void keepsEveryBitAndWritesScalarsAndEmptyTensors() throws IOException {
        float[] odd = {Float.NaN, Float.intBitsToFloat(0x7fc00123), -0.0f, Float.MIN_VALUE, Float.NEGATIVE_INFINITY};
        List<SafetensorsWriter.Tensor> tensors = List.of(
                new SafetensorsWriter.Tensor("odd", new long[] {5}, FloatBuffer.wrap(odd)),
                new SafetensorsWriter.Tensor("scalar", new long[] {}, FloatBuffer.wrap(new float[] {2.5f})),
                new SafetensorsWriter.Tensor("empty", new long[] {0, 3}, FloatBuffer.wrap(new float[0])));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long written = SafetensorsWriter.write(tensors, Map.of("k", "v \"quoted\" ü"), out);

        assertEquals(out.size(), written);
        assertEquals(written, SafetensorsWriter.sizeOf(tensors, Map.of("k", "v \"quoted\" ü")));
        Parsed parsed = SafetensorsTestReader.parse(out.toByteArray());
        float[] back = parsed.tensors().get("odd");
        for (int i = 0; i < odd.length; i++) {
            assertEquals(Float.floatToRawIntBits(odd[i]), Float.floatToRawIntBits(back[i]), "bits of value " + i);
        }
        assertArrayEquals(new float[] {2.5f}, parsed.tensors().get("scalar"));
        assertEquals(0, parsed.tensors().get("empty").length);
        assertEquals("v \"quoted\" ü", parsed.metadata().get("k"));
    }

    @Test
    void rejectsInconsistentTensors() {
        FloatBuffer three = FloatBuffer.wrap(new float[3]);
        assertThrows(
                IllegalArgumentException.class,
                () -> SafetensorsWriter.sizeOf(
                        List.of(new SafetensorsWriter.Tensor("a", new long[] {2, 2}, three)), Map.of()));
        assertThrows(
                IllegalArgumentException.class,
                () -> SafetensorsWriter.sizeOf(
                        List.of(
                                new SafetensorsWriter.Tensor("a", new long[] {3}, three),
                                new SafetensorsWriter.Tensor("a", new long[] {3}, three)),
                        Map.of()));
        assertThrows(
                IllegalArgumentException.class,
                () -> SafetensorsWriter.sizeOf(
                        List.of(new SafetensorsWriter.Tensor("__metadata__", new long[] {3}, three)), Map.of()));
    }

    /**
     * A state the size of a 64->2048->2048->1 MLP with Adam (about 4.3 M parameters, 52 MB of
     * floats): streamed out in small writes, never as one big array, and quickly.
     */
    @Test
    void streamsALargeStateInSmallWrites() throws IOException {
        ModelSpec big = ModelSpec.builder()
                .kind(ModelSpec.Kind.MLP)
                .inputDim(64)
                .hiddenSizes(2048, 2048)
                .outputDim(1)
                .device(ModelSpec.DeviceChoice.CPU)
                .build();
        List<String> names = big.torchParameterNames();
        List<long[]> shapes = big.torchParameterShapes();
        ArrayList<ParameterState> params = new ArrayList<>();
        long floats = 0;
        for (int i = 0; i < names.size(); i++) {
            int n = (int) Arrays.stream(shapes.get(i)).reduce(1, (a, b) -> a * b);
            floats += n;
            float[] v = new float[n];
            v[n - 1] = i + 1; // a marker at the end of each tensor
            params.add(ParameterState.withMoments(names.get(i), shapes.get(i), v, new float[n], new float[n]));
        }
        TrainerState state = new TrainerState(ModelSpec.Optimizer.ADAM, 7, params);

        long[] maxWrite = {0};
        long[] total = {0};
        OutputStream sink = new OutputStream() {
            @Override
            public void write(int b) {
                total[0]++;
            }

            @Override
            public void write(byte[] b, int off, int len) {
                maxWrite[0] = Math.max(maxWrite[0], len);
                total[0] += len;
            }
        };
        long start = System.nanoTime();
        long weights = SafetensorsWriter.write(TrainerStateTensors.weights(state), Map.of(), sink);
        long optimizer = SafetensorsWriter.write(TrainerStateTensors.optimizerTensors(state), Map.of(), sink);
        long millis = (System.nanoTime() - start) / 1_000_000;
        System.out.printf(
                "safetensors: %d + %d bytes streamed in %d ms, largest single write %d bytes%n",
                weights, optimizer, millis, maxWrite[0]);

        assertEquals(weights + optimizer, total[0]);
        assertTrue(weights > floats * 4 && weights < floats * 4 + 4096, "weights size " + weights);
        assertTrue(maxWrite[0] <= 64 * 1024, "largest write " + maxWrite[0] + " bytes: streamed");
    }

    static byte[] weightsFile(TrainerState state) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SafetensorsWriter.write(TrainerStateTensors.weights(state), TrainerStateTensors.weightsMetadata(MLP, 1), out);
        return out.toByteArray();
    }

    /** torch.nn.Sequential(Linear, ReLU, Linear, ReLU, Linear) from the parsed tensors: y = x·Wᵀ + b. */
    private static float[] forward(Map<String, float[]> t, float[] x, int rows) {
        int[] widths = {5, 7, 4, 3};
        float[] activations = x;
        for (int layer = 0; layer < 3; layer++) {
            float[] w = t.get((2 * layer) + ".weight");
            float[] b = t.get((2 * layer) + ".bias");
            int in = widths[layer];
            int out = widths[layer + 1];
            float[] next = new float[rows * out];
            for (int r = 0; r < rows; r++) {
                for (int o = 0; o < out; o++) {
                    double sum = b[o];
                    for (int i = 0; i < in; i++) {
                        sum += (double) activations[r * in + i] * w[o * in + i];
                    }
                    next[r * out + o] = layer < 2 ? (float) Math.max(0, sum) : (float) sum;
                }
            }
            activations = next;
        }
        return activations;
    }

    private static float[] gaussian(Random random, int n) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) random.nextGaussian();
        }
        return out;
    }
}
