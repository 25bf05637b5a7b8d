package dev.streamtrain.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamtrain.trainer.ModelSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ManifestTest {

    static final ModelSpec SPEC = ModelSpec.builder()
            .kind(ModelSpec.Kind.MLP)
            .inputDim(4)
            .hiddenSizes(8, 8)
            .outputDim(2)
            .activation(ModelSpec.Activation.TANH)
            .learningRate(0.005f)
            .batchSize(32)
            .seed(9)
            .device(ModelSpec.DeviceChoice.CPU)
            .build();

    static Manifest sample(double meanLoss) {
        return Manifest.builder(new RunKey("exp", "run", "model"), 12)
                .modelConfig(ModelConfig.of(SPEC))
                .files(List.of(new Manifest.FileEntry("model.safetensors", 100, "ab".repeat(32))))
                .stableModel(new Manifest.StableObject("s3://b/exp/run/model/model.safetensors", "v1"))
                .sampleCount(5000)
                .optimizerSteps(1234)
                .kafkaOffsets(Map.of(
                        Manifest.partitionKey("samples", 1),
                        new Manifest.OffsetRange(10, 20),
                        Manifest.partitionKey("samples", 0),
                        new Manifest.OffsetRange(0, 9)))
                .eventTime(new Manifest.EventTimeRange(1_700_000_000_000L, 1_700_000_060_000L))
                .metrics(new Manifest.Metrics(meanLoss, 150_000.5))
                .flinkJobId("a1b2c3")
                .createdAt(Instant.parse("2025-01-01T00:00:00Z"))
                .build();
    }

    @Test
    void roundTripsThroughJsonWithTheContractsFieldNames() throws IOException {
        Manifest manifest = sample(0.25);
        byte[] json = manifest.toJson();
        assertEquals(manifest, Manifest.fromJson(json));

        JsonNode tree = new ObjectMapper().readTree(json);
        assertEquals(1, tree.get("schemaVersion").intValue());
        assertEquals("MLP", tree.get("modelConfig").get("kind").textValue());
        assertEquals("[8,8]", tree.get("modelConfig").get("hiddenSizes").toString());
        assertEquals(10, tree.get("kafkaOffsets").get("samples-1").get("first").longValue());
        assertEquals(20, tree.get("kafkaOffsets").get("samples-1").get("last").longValue());
        assertEquals("ab".repeat(32), tree.get("files").get(0).get("sha256").textValue());
        assertEquals(0.25, tree.get("metrics").get("meanLoss").doubleValue());
        assertEquals("v1", tree.get("stableModel").get("versionId").textValue());
        // offsets sorted by partition key: stable output, easy diffs
        assertTrue(new String(json, StandardCharsets.UTF_8).indexOf("samples-0")
                < new String(json, StandardCharsets.UTF_8).indexOf("samples-1"));
        assertEquals(SPEC, manifest.modelConfig().toSpec());
    }

    @Test
    void aDivergedLossSurvivesTheRoundTrip() throws IOException {
        assertTrue(Double.isNaN(
                Manifest.fromJson(sample(Double.NaN).toJson()).metrics().meanLoss()));
    }

    @Test
    void newerSchemasAndGarbageAreRefusedClearly() {
        String newer = new String(sample(1).toJson(), StandardCharsets.UTF_8)
                .replace("\"schemaVersion\" : 1", "\"schemaVersion\" : 2");
        IOException e =
                assertThrows(IOException.class, () -> Manifest.fromJson(newer.getBytes(StandardCharsets.UTF_8)));
        assertTrue(e.getMessage().contains("schemaVersion 2"), e.getMessage());
        assertThrows(IOException.class, () -> Manifest.fromJson("not json".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void unknownFieldsFromLaterMinorVersionsAreIgnored() throws IOException {
        String extended =
                new String(sample(1).toJson(), StandardCharsets.UTF_8).replaceFirst("\\{", "{\"addedLater\": 1,");
        assertEquals(sample(1), Manifest.fromJson(extended.getBytes(StandardCharsets.UTF_8)));
    }
}
