package dev.streamtrain.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModelSpecTest {

    private static ModelSpec.Builder mlp() {
        return ModelSpec.builder()
                .kind(ModelSpec.Kind.MLP)
                .inputDim(64)
                .hiddenSizes(256, 256)
                .outputDim(1);
    }

    @Test
    void mlpParameterNamesAndShapesMatchTorchSequential() {
        ModelSpec spec = mlp().build();

        // torch.nn.Sequential(Linear(64,256), ReLU(), Linear(256,256), ReLU(), Linear(256,1))
        assertEquals(
                List.of("0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"), spec.torchParameterNames());
        List<long[]> shapes = spec.torchParameterShapes();
        assertArrayEquals(new long[] {256, 64}, shapes.get(0));
        assertArrayEquals(new long[] {256}, shapes.get(1));
        assertArrayEquals(new long[] {256, 256}, shapes.get(2));
        assertArrayEquals(new long[] {256}, shapes.get(3));
        assertArrayEquals(new long[] {1, 256}, shapes.get(4));
        assertArrayEquals(new long[] {1}, shapes.get(5));
    }

    @Test
    void singleLayerKindsHaveOneLinearModule() {
        ModelSpec spec = ModelSpec.builder()
                .kind(ModelSpec.Kind.LOGISTIC)
                .inputDim(5)
                .outputDim(3)
                .loss(ModelSpec.Loss.SOFTMAX_CROSS_ENTROPY)
                .build();

        assertEquals(List.of("0.weight", "0.bias"), spec.torchParameterNames());
        assertArrayEquals(new long[] {3, 5}, spec.torchParameterShapes().get(0));
        assertArrayEquals(new long[] {3}, spec.torchParameterShapes().get(1));
    }

    @Test
    void defaultsFollowTheKind() {
        ModelSpec linear =
                ModelSpec.builder().kind(ModelSpec.Kind.LINEAR).inputDim(3).build();
        ModelSpec logistic =
                ModelSpec.builder().kind(ModelSpec.Kind.LOGISTIC).inputDim(3).build();

        assertEquals(ModelSpec.Loss.MSE, linear.loss());
        assertEquals(ModelSpec.Loss.BCE_WITH_LOGITS, logistic.loss());
        assertEquals(1, linear.outputDim());
        assertEquals(ModelSpec.Optimizer.ADAM, linear.optimizer());
        assertEquals(ModelSpec.DeviceChoice.AUTO, linear.device());
    }

    @Test
    void rejectsBadValuesNamingTheKey() {
        assertRejected(ModelSpec.builder().inputDim(3), "kind");
        assertRejected(mlp().inputDim(0), "inputDim");
        assertRejected(mlp().outputDim(-1), "outputDim");
        assertRejected(mlp().hiddenSizes(), "hiddenSizes");
        assertRejected(mlp().hiddenSizes(16, 0), "hiddenSizes[1]");
        assertRejected(
                ModelSpec.builder().kind(ModelSpec.Kind.LINEAR).inputDim(3).hiddenSizes(4), "hiddenSizes");
        assertRejected(mlp().learningRate(0f), "learningRate");
        assertRejected(mlp().learningRate(Float.NaN), "learningRate");
        assertRejected(mlp().batchSize(0), "batchSize");
        assertRejected(mlp().batchSize(1 << 30), "batchSize");
        assertRejected(mlp().loss(ModelSpec.Loss.SOFTMAX_CROSS_ENTROPY), "outputDim");
        assertRejected(
                ModelSpec.builder().kind(ModelSpec.Kind.LOGISTIC).inputDim(3).loss(ModelSpec.Loss.MSE), "loss");
        assertRejected(
                ModelSpec.builder().kind(ModelSpec.Kind.LINEAR).inputDim(3).loss(ModelSpec.Loss.BCE_WITH_LOGITS),
                "loss");
        assertRejected(mlp().optimizer(null), "optimizer");
        assertRejected(mlp().device(null), "device");
        assertRejected(mlp().activation(null), "activation");
    }

    @Test
    void survivesJavaSerializationAndToBuilder() throws Exception {
        ModelSpec spec = mlp().seed(7).learningRate(0.01f).build();

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(spec);
        }
        Object copy;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            copy = in.readObject();
        }

        assertEquals(spec, copy);
        assertEquals(spec, spec.toBuilder().build());
        assertEquals(32, spec.toBuilder().batchSize(32).build().batchSize());
    }

    private static void assertRejected(ModelSpec.Builder builder, String key) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, builder::build);
        assertTrue(e.getMessage().contains(key), () -> "message should name '" + key + "': " + e.getMessage());
    }
}
