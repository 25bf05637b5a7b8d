package dev.streamtrain.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import dev.streamtrain.events.CheckpointEvent;
import dev.streamtrain.store.RunKey;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The validator enforces what the schema says — structure, and also the bounds and formats a
 * hand-written check used to ignore (the real events are checked in OnlineTrainingJobEventsTest).
 */
class JsonSchemaCheckTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static JsonSchemaCheck schema;
    private static ObjectNode deleted;

    @BeforeAll
    static void aDeletedEvent() throws Exception {
        schema = JsonSchemaCheck.checkpointEventSchema();
        deleted = (ObjectNode) JSON.readTree(CheckpointEvent.epochDeleted(
                        new RunKey("exp", "run-1", "model"), 3, "s3://b/exp/run-1/model/epoch-000003/")
                .samplesTotal(768)
                .checkpoint(9L, null)
                .flinkJobId("abc")
                .build()
                .toJson());
    }

    @Test
    void aDeletedEventConforms() {
        assertEquals(List.of(), schema.violations(deleted));
    }

    @Test
    void structuralViolationsAreFound() {
        assertEquals(
                List.of("additionalProperties at #"), found(deleted.deepCopy().put("surprise", 1)));
        assertEquals(List.of("type at #/epoch"), found(deleted.deepCopy().put("epoch", "three")));
        ObjectNode missing = deleted.deepCopy();
        missing.remove("samplesTotal");
        assertEquals(List.of("required at #"), found(missing));
        assertEquals(List.of("pattern at #/run"), found(deleted.deepCopy().put("run", "run 1/..")));
    }

    @Test
    void boundsAndFormatsAreEnforced() {
        assertEquals(List.of("minimum at #/epoch"), found(deleted.deepCopy().put("epoch", -1)));
        assertEquals(List.of("maximum at #/epoch"), found(deleted.deepCopy().put("epoch", 1_000_000)));
        assertEquals(
                List.of("minimum at #/samplesTotal"), found(deleted.deepCopy().put("samplesTotal", -5)));
        assertEquals(List.of("minimum at #/attempt"), found(deleted.deepCopy().put("attempt", 0)));
        assertEquals(List.of("format at #/createdAt"), found(deleted.deepCopy().put("createdAt", "yesterday")));
        assertEquals(List.of(), found(deleted.deepCopy().put("createdAt", "2026-01-01T00:00:00.123Z")));
    }

    /** "keyword at #json-pointer" for each violation: what failed and where, not the validator's wording. */
    private static List<String> found(ObjectNode doc) {
        return schema.errors(doc).stream().map(JsonSchemaCheckTest::describe).toList();
    }

    static String describe(Error e) {
        return e.getKeyword() + " at #" + e.getInstanceLocation();
    }
}
