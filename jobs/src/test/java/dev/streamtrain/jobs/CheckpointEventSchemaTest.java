package dev.streamtrain.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.streamtrain.events.CheckpointEvent;
import dev.streamtrain.store.ArtifactResult;
import dev.streamtrain.store.HoldoutMetrics;
import dev.streamtrain.store.Manifest;
import dev.streamtrain.store.ModelConfig;
import dev.streamtrain.store.PrequentialMetrics;
import dev.streamtrain.store.RunKey;
import dev.streamtrain.trainer.ModelSpec;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.lang.reflect.RecordComponent;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * checkpoint-event.schema.json describes the event exactly as {@link CheckpointEvent} and
 * {@link Manifest} serialize, without a running job: events built here from plausible artifacts
 * (every optional part present; every optional part absent; a diverged loss; a deletion) emit only
 * declared properties and every required one; and the schema declares no property the records do
 * not have. The real events of the job tests are checked against the schema in OnlineTrainingJobEventsTest.
 */
class CheckpointEventSchemaTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SHA = "0123456789abcdef".repeat(4);
    private static JsonNode schema;
    /** Properties added within schemaVersion 1: always written now, not required (events of older builds lack them). */
    private static final Set<String> ADDED_AFTER_THE_FIRST_RELEASE = Set.of(
            "attempt",
            "checkpointPath",
            "rollback",
            "divergence",
            "eventTimeLagMillis",
            "device",
            "drift",
            "promoted",
            "promotionReason");
    /** Added within schemaVersion 1 and written only when set, so that other events keep their bytes. */
    private static final Set<String> WRITTEN_WHEN_SET =
            Set.of("divergence", "eventTimeLagMillis", "device", "drift", "promoted", "promotionReason");

    @BeforeAll
    static void loadSchema() throws Exception {
        try (InputStream in =
                CheckpointEventSchemaTest.class.getResourceAsStream("/schemas/checkpoint-event.schema.json")) {
            schema = JSON.readTree(in);
        }
        assertEquals(
                "https://json-schema.org/draft/2020-12/schema",
                schema.path("$schema").asText());
    }

    @Test
    void aCommittedEventWithEveryOptionalPartConforms() throws Exception {
        JsonNode event = committed(fullManifest(0.0123, 151_234.5), "3LgVxk2sQm.Yv9", 17L);
        assertConforms(event);
        Set<String> written = new TreeSet<>(components(CheckpointEvent.class));
        written.remove("divergence");
        written.remove("drift");
        assertEquals(
                written,
                names(event),
                "every property is written, nulls included, but divergence and drift (their types only)");
        assertEquals(4_200, event.path("eventTimeLagMillis").asLong(), "the manifest's freshness, repeated");
        assertEquals("cpu()", event.path("device").asText());
        assertFalse(event.path("promoted").asBoolean(true), "the manifest's verdict, repeated");
        assertEquals(event.path("promotionReason"), event.path("manifest").path("promotionReason"));
        assertEquals(1, event.path("schemaVersion").asInt());
        assertEquals("epoch-committed", event.path("type").asText());
        JsonNode manifest = event.path("manifest");
        for (String optional :
                List.of("stableModel", "eventTime", "flinkJobId", "eventTimeLagMillis", "device", "initFrom")) {
            assertTrue(manifest.has(optional), "this event exercises manifest." + optional);
        }
    }

    @Test
    void aCommittedEventWithNoOptionalPartConforms() throws Exception {
        ModelSpec linear = ModelSpec.builder()
                .kind(ModelSpec.Kind.LINEAR)
                .inputDim(3)
                .outputDim(1)
                .build();
        Manifest m = Manifest.builder(new RunKey("exp", "run-1", "model"), 1)
                .modelConfig(ModelConfig.of(linear))
                .files(List.of(new Manifest.FileEntry("model.safetensors", 16, SHA)))
                .sampleCount(256)
                .optimizerSteps(1)
                .metrics(new Manifest.Metrics(0.5, 1000))
                .createdAt(Instant.parse("2026-01-01T00:00:00Z"))
                .build();
        JsonNode event = committed(m, null, null); // not versioned; the end-of-input checkpoint
        assertConforms(event);
        assertTrue(
                event.path("versionId").isNull() && event.path("checkpointId").isNull());
        assertEquals(
                0,
                event.path("manifest").path("modelConfig").path("hiddenSizes").size());
    }

    @Test
    void aDivergedLossConforms() throws Exception {
        JsonNode event = committed(fullManifest(Double.NaN, Double.POSITIVE_INFINITY), "v2", 3L);
        assertEquals(
                "NaN",
                event.path("manifest").path("metrics").path("meanLoss").asText(),
                "Jackson writes NaN as a string");
        assertConforms(event);
    }

    @Test
    void aDeletedEventConforms() throws Exception {
        JsonNode event = JSON.readTree(deleted().toJson());
        assertConforms(event);
        for (String absent : WRITTEN_WHEN_SET) {
            assertTrue(!event.has(absent), absent + " is written only when set");
        }
    }

    @Test
    void aDivergedEventConforms() throws Exception {
        CheckpointEvent.Divergence divergence = new CheckpointEvent.Divergence(
                "LOSS_SPIKE",
                1.5e12,
                0.8,
                2,
                768,
                Map.of(Manifest.partitionKey("samples", 0), new Manifest.OffsetRange(5_000, 5_767)),
                3_072);
        JsonNode event = JSON.readTree(CheckpointEvent.diverged(
                        new RunKey("exp", "run-1", "model"),
                        4,
                        "s3://streamtrain/exp/run-1/model/epoch-000004/",
                        divergence)
                .samplesTotal(20_000)
                .checkpoint(12L, null)
                .flinkJobId("a1b2c3")
                .attempt(1)
                .build()
                .toJson());
        assertConforms(event);
        assertEquals("diverged", event.path("type").asText());
        assertEquals(4, event.path("epoch").asInt(), "the restored epoch");
        assertEquals(
                5_000,
                event.path("divergence")
                        .path("skippedOffsets")
                        .path("samples-0")
                        .path("first")
                        .asLong());
        JsonNode fromScratch = JSON.readTree(CheckpointEvent.diverged(
                        new RunKey("exp", "run-1", "model"),
                        0,
                        null,
                        new CheckpointEvent.Divergence(
                                "NON_FINITE_LOSS", Double.POSITIVE_INFINITY, 0, 1, 256, Map.of(), 256))
                .build()
                .toJson());
        assertConforms(fromScratch); // restored the initial weights: no folder; an infinite loss is a string
        assertEquals("Infinity", fromScratch.path("divergence").path("loss").asText());
        assertEquals(
                divergence,
                CheckpointEvent.fromJson(JSON.writeValueAsBytes(event)).divergence(),
                "reads back");
    }

    @Test
    void theFactoriesWriteTheSchemaVersion1BytesOfEarlierBuilds() throws Exception {
        // written by the build before the factories existed, createdAt aside: same properties, same order
        String expected = "{\"schemaVersion\":1,\"type\":\"epoch-deleted\",\"experiment\":\"exp\",\"run\":\"run-1\","
                + "\"model\":\"model\",\"epoch\":3,\"artifactUri\":\"s3://streamtrain/exp/run-1/model/epoch-000003/\","
                + "\"manifestUri\":null,\"modelUri\":null,\"versionId\":null,\"modelSizeBytes\":0,\"modelSha256\":null,"
                + "\"samplesTotal\":768,\"checkpointId\":9,\"flinkJobId\":\"a1b2c3\",\"attempt\":2,"
                + "\"checkpointPath\":\"s3://streamtrain/checkpoints/a1b2c3/chk-9\",\"createdAt\":\"CREATED\","
                + "\"manifest\":null,\"rollback\":null}";
        CheckpointEvent deleted = CheckpointEvent.epochDeleted(
                        new RunKey("exp", "run-1", "model"), 3, "s3://streamtrain/exp/run-1/model/epoch-000003/")
                .samplesTotal(768)
                .checkpoint(9L, "s3://streamtrain/checkpoints/a1b2c3/chk-9")
                .flinkJobId("a1b2c3")
                .attempt(2)
                .build();
        String json = new String(deleted.toJson(), StandardCharsets.UTF_8);
        assertEquals(expected, json.replace(deleted.createdAt(), "CREATED"));
        assertEquals("exp/run-1/model", deleted.key());
    }

    @Test
    void aRolledBackEventConforms() throws Exception {
        CheckpointEvent restored =
                CheckpointEvent.fromJson(JSON.writeValueAsBytes(committed(fullManifest(0.2, 900), null, 41L)));
        JsonNode event = JSON.readTree(CheckpointEvent.rolledBack(
                        restored,
                        "0123456789abcdef0123456789abcdef",
                        2,
                        new CheckpointEvent.Rollback(
                                1,
                                List.of(13L, 14L),
                                "fedcba9876543210fedcba9876543210",
                                "s3://streamtrain/savepoints/savepoint-fedcba-0123"))
                .toJson());
        assertConforms(event);
        assertEquals("rolled-back", event.path("type").asText());
        assertEquals(12, event.path("epoch").asInt(), "the epoch rolled back to");
        assertEquals(2, event.path("attempt").asInt());
        assertEquals("[13,14]", event.path("rollback").path("supersededEpochs").toString());
    }

    @Test
    void anEventWithoutAttemptReadsAsAttemptOne() throws Exception {
        ObjectNode old = (ObjectNode) committed(fullManifest(0.2, 900), null, 41L);
        old.remove(List.of("attempt", "checkpointPath", "rollback", "eventTimeLagMillis", "device"));
        ((ObjectNode) old.path("manifest")).remove(List.of("attempt", "eventTimeLagMillis", "device"));
        assertConforms(old); // an event of an older build still validates
        assertEquals(1, CheckpointEvent.fromJson(JSON.writeValueAsBytes(old)).lineage());
    }

    @Test
    void theSchemaDeclaresExactlyTheRecordsComponentsAndEventTypes() throws Exception {
        assertEquals(components(CheckpointEvent.class), names(schema.path("properties")));
        Set<String> required = new TreeSet<>(components(CheckpointEvent.class));
        required.removeAll(ADDED_AFTER_THE_FIRST_RELEASE);
        assertEquals(
                required,
                names(schema.path("required")),
                "every property is required but those added within schemaVersion 1, which older events lack");
        JsonNode manifest = schema.path("$defs").path("manifest");
        assertEquals(components(Manifest.class), names(manifest.path("properties")));
        JsonNode props = manifest.path("properties");
        assertEquals(
                components(ModelConfig.class), names(props.path("modelConfig").path("properties")));
        assertEquals(
                components(Manifest.FileEntry.class),
                names(props.path("files").path("items").path("properties")));
        assertEquals(
                components(Manifest.StableObject.class),
                names(props.path("stableModel").path("properties")));
        assertEquals(
                components(Manifest.OffsetRange.class),
                names(props.path("kafkaOffsets").path("additionalProperties").path("properties")));
        assertEquals(
                components(Manifest.EventTimeRange.class),
                names(props.path("eventTime").path("properties")));
        assertEquals(
                components(Manifest.Metrics.class), names(props.path("metrics").path("properties")));
        assertEquals(
                components(Manifest.InitFrom.class),
                names(props.path("initFrom").path("properties")));

        Set<String> types = new TreeSet<>();
        for (Field f : CheckpointEvent.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class) {
                types.add((String) f.get(null));
            }
        }
        assertEquals(
                types, names(schema.path("properties").path("type").path("enum")), "every event type the code emits");
        assertEquals(types, new TreeSet<>(CheckpointEvent.TYPES));
        assertEquals(
                components(CheckpointEvent.Rollback.class),
                names(schema.path("$defs").path("rollback").path("properties")));
        assertEquals(
                components(CheckpointEvent.Divergence.class),
                names(schema.path("$defs").path("divergence").path("properties")));
        assertEquals(
                components(CheckpointEvent.Drift.class),
                names(schema.path("$defs").path("drift").path("properties")));
        assertEquals(
                components(HoldoutMetrics.class),
                names(props.path("metrics").path("properties").path("holdout").path("properties")));
        assertEquals(
                components(PrequentialMetrics.class),
                names(props.path("metrics")
                        .path("properties")
                        .path("prequential")
                        .path("properties")));
        assertEquals(
                CheckpointEvent.SCHEMA_VERSION,
                schema.path("properties").path("schemaVersion").path("const").asInt());
        assertEquals(
                Manifest.SCHEMA_VERSION,
                manifest.path("properties").path("schemaVersion").path("const").asInt());
    }

    @Test
    void theStructuralCheckCatchesUndeclaredAndMissingProperties() throws Exception {
        JsonNode event = committed(fullManifest(0.1, 10), "v1", 1L);
        ObjectNode extra = event.deepCopy();
        ((ObjectNode) extra.path("manifest").path("metrics")).put("p99", 1);
        // manifest is oneOf null or a manifest: neither branch matches, and the manifest branch says why
        assertEquals(
                List.of("oneOf at #/manifest", "type at #/manifest", "additionalProperties at #/manifest/metrics"),
                found(extra));
        ObjectNode missing = event.deepCopy();
        ((ObjectNode) missing.path("manifest")).remove("files");
        assertEquals(List.of("oneOf at #/manifest", "type at #/manifest", "required at #/manifest"), found(missing));
    }

    // --- helpers --------------------------------------------------------------------------------

    private static JsonNode committed(Manifest m, String versionId, Long checkpointId) throws Exception {
        String folder = "s3://streamtrain/" + m.experiment() + "/" + m.run() + "/" + m.model() + "/epoch-"
                + String.format("%06d", m.epoch()) + "/";
        ArtifactResult r = new ArtifactResult(
                m.epoch(),
                new ArtifactResult.StoredObject(URI.create(folder + "model.safetensors"), 1_070_084, SHA),
                new ArtifactResult.StoredObject(URI.create(folder + "optimizer.safetensors"), 2_140_168, SHA),
                new ArtifactResult.StoredObject(URI.create(folder + "manifest.json"), 1_024, SHA),
                URI.create("s3://streamtrain/" + m.runKey() + "/latest"),
                versionId == null
                        ? null
                        : new Manifest.StableObject("s3://streamtrain/" + m.runKey() + "/model.safetensors", versionId),
                3_211_000,
                840,
                m);
        return JSON.readTree(CheckpointEvent.epochCommitted(r)
                .samplesTotal(1_200_000)
                .checkpoint(checkpointId, null)
                .build()
                .toJson());
    }

    private static CheckpointEvent deleted() {
        return CheckpointEvent.epochDeleted(
                        new RunKey("exp", "run-1", "model"), 3, "s3://streamtrain/exp/run-1/model/epoch-000003/")
                .samplesTotal(768)
                .checkpoint(9L, null)
                .flinkJobId("a1b2c3")
                .build();
    }

    private static Manifest fullManifest(double meanLoss, double samplesPerSecond) {
        ModelSpec mlp = ModelSpec.builder()
                .kind(ModelSpec.Kind.MLP)
                .inputDim(64)
                .hiddenSizes(256, 256)
                .outputDim(1)
                .seed(42)
                .build();
        return Manifest.builder(new RunKey("mlp-2x256", "run-1", "regressor"), 12)
                .modelConfig(ModelConfig.of(mlp))
                .files(List.of(
                        new Manifest.FileEntry("model.safetensors", 1_070_084, SHA),
                        new Manifest.FileEntry("optimizer.safetensors", 2_140_168, SHA)))
                .stableModel(new Manifest.StableObject(
                        "s3://streamtrain/mlp-2x256/run-1/regressor/model.safetensors", "3LgVxk2sQm.Yv9"))
                .sampleCount(100_096)
                .optimizerSteps(4_692)
                .kafkaOffsets(Map.of(
                        Manifest.partitionKey("samples", 0),
                        new Manifest.OffsetRange(1_100_000, 1_150_047),
                        Manifest.partitionKey("samples", 1),
                        new Manifest.OffsetRange(1_099_500, 1_149_547)))
                .eventTime(new Manifest.EventTimeRange(1_700_000_000_000L, 1_700_000_100_095L))
                .metrics(new Manifest.Metrics(meanLoss, samplesPerSecond))
                .flinkJobId("8f14e45fceea167a5a36dedd4bea2543")
                .attempt(2)
                .createdAt(Instant.parse("2026-01-01T00:00:00Z"))
                .eventTimeLagMillis(4_200L)
                .device("cpu()")
                .initFrom(new Manifest.InitFrom(
                        "s3://streamtrain/mlp-2x256/run-0/regressor/epoch-000042/model.safetensors",
                        SHA,
                        "s3://streamtrain/mlp-2x256/run-0/regressor/epoch-000042/optimizer.safetensors",
                        SHA))
                .promotion(false, "holdout loss 0.0130000 vs promoted 0.0120000 (tolerance 0.00000): worse")
                .build();
    }

    private static void assertConforms(JsonNode event) throws Exception {
        assertEquals(List.of(), JsonSchemaCheck.checkpointEventSchema().violations(event), event.toString());
    }

    /** "keyword at #json-pointer" for each violation the validator finds. */
    private static List<String> found(JsonNode event) throws Exception {
        return JsonSchemaCheck.checkpointEventSchema().errors(event).stream()
                .map(JsonSchemaCheckTest::describe)
                .toList();
    }

    private static Set<String> components(Class<?> record) {
        return Arrays.stream(record.getRecordComponents())
                .map(RecordComponent::getName)
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private static Set<String> names(JsonNode node) {
        Set<String> out = new TreeSet<>();
        if (node.isArray()) {
            node.forEach(n -> out.add(n.asText()));
        } else {
            node.fieldNames().forEachRemaining(out::add);
        }
        return out;
    }
}
