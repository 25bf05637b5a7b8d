package dev.streamtrain.trainer;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Initial parameter values, reproducible from {@link ModelSpec#seed()} alone.
 *
 * <p>The distribution is torch's default for {@code nn.Linear}: {@code kaiming_uniform_(a=√5)}
 * for the weight and the same bound for the bias, which both reduce to U(-1/√fanIn,
 * 1/√fanIn). Values come from {@link java.util.Random}, whose sequence the JDK specifies, and
 * not from the engine's global generator: two trainers built from one spec start identical on
 * any machine, device and DJL version, and nothing else in the JVM can shift the draws.
 *
 * <p>Draw order (part of the reproducibility contract): parameters in {@link
 * ModelSpec#torchParameterNames()} order, each row-major.
 */
final class TorchDefaultInit {

    private TorchDefaultInit() {}

    /** Values for every parameter, aligned with {@link ModelSpec#torchParameterNames()}. */
    static List<float[]> initialValues(ModelSpec spec) {
        Random random = new Random(spec.seed());
        int[] widths = spec.layerWidths();
        List<float[]> values = new ArrayList<>(2 * spec.linearLayerCount());
        for (int layer = 0; layer < spec.linearLayerCount(); layer++) {
            int fanIn = widths[layer];
            int fanOut = widths[layer + 1];
            double bound = 1.0 / Math.sqrt(fanIn);
            values.add(uniform(random, fanOut * fanIn, bound));
            values.add(uniform(random, fanOut, bound));
        }
        return values;
    }

    private static float[] uniform(Random random, int count, double bound) {
        float[] out = new float[count];
        for (int i = 0; i < count; i++) {
            out[i] = (float) ((2.0 * random.nextDouble() - 1.0) * bound);
        }
        return out;
    }
}
