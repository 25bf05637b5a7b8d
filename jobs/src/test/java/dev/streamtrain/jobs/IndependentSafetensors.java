package dev.streamtrain.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A safetensors reader and an MLP forward pass written from the format's description alone — not
 * the project's writer code — so that a test can check what a PyTorch user would load.
 */
final class IndependentSafetensors {
    private IndependentSafetensors() {}

    /** name → row-major float32 values; checks dtype, shape × 4 = byte length. */
    static Map<String, float[]> read(byte[] file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        long headerLength = b.getLong();
        JsonNode header = new ObjectMapper().readTree(new String(file, 8, (int) headerLength, StandardCharsets.UTF_8));
        int dataStart = 8 + (int) headerLength;
        Map<String, float[]> tensors = new HashMap<>();
        for (var it = header.fields(); it.hasNext(); ) {
            var e = it.next();
            if (e.getKey().equals("__metadata__")) {
                continue;
            }
            JsonNode t = e.getValue();
            if (!t.get("dtype").asText().equals("F32")) {
                throw new IOException(e.getKey() + " is " + t.get("dtype") + ", not F32");
            }
            long elements = 1;
            for (JsonNode d : t.get("shape")) {
                elements *= d.asLong();
            }
            int begin = t.get("data_offsets").get(0).asInt();
            int end = t.get("data_offsets").get(1).asInt();
            if (end - begin != elements * 4) {
                throw new IOException(
                        e.getKey() + ": shape says " + elements + " floats, offsets say " + (end - begin) / 4);
            }
            float[] values = new float[(int) elements];
            ByteBuffer.wrap(file, dataStart + begin, end - begin)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .asFloatBuffer()
                    .get(values);
            tensors.put(e.getKey(), values);
        }
        return tensors;
    }

    /** torch.nn.Sequential(Linear, ReLU, Linear, ReLU, …, Linear): y = W x + b, weights [out, in]. */
    static float[] forwardReluMlp(Map<String, float[]> t, List<Integer> widths, float[] x, int rows) {
        float[] a = x;
        for (int layer = 0; layer < widths.size() - 1; layer++) {
            int in = widths.get(layer);
            int out = widths.get(layer + 1);
            float[] w = t.get((2 * layer) + ".weight");
            float[] bias = t.get((2 * layer) + ".bias");
            float[] y = new float[rows * out];
            for (int r = 0; r < rows; r++) {
                for (int o = 0; o < out; o++) {
                    double s = bias[o];
                    for (int i = 0; i < in; i++) {
                        s += (double) w[o * in + i] * a[r * in + i];
                    }
                    y[r * out + o] = (float) (layer < widths.size() - 2 ? Math.max(0, s) : s);
                }
            }
            a = y;
        }
        return a;
    }
}
