package dev.streamtrain.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.streamtrain.events.CheckpointEvent;
import dev.streamtrain.store.RunKey;
import org.junit.jupiter.api.Test;

/** The schema check itself catches what it should (the real events are checked in CheckpointEventsTest). */
class JsonSchemaCheckTest {
    @Test
    void aDeletedEventConformsAndBrokenOnesDoNot() throws Exception {
        JsonSchemaCheck schema = JsonSchemaCheck.checkpointEventSchema();
        ObjectMapper json = new ObjectMapper();
        ObjectNode deleted = (ObjectNode) json.readTree(CheckpointEvent.epochDeleted(new RunKey("exp", "run-1", "model"), 3,
                "s3://b/exp/run-1/model/epoch-000003/").samplesTotal(768).checkpoint(9L, null).flinkJobId("abc").build().toJson());
        assertEquals(java.util.List.of(), schema.violations(deleted));

        ObjectNode extra = deleted.deepCopy().put("surprise", 1);
        assertTrue(schema.violations(extra).toString().contains("undeclared property surprise"));
        ObjectNode wrongType = deleted.deepCopy().put("epoch", "three");
        assertTrue(!schema.violations(wrongType).isEmpty());
        ObjectNode missing = deleted.deepCopy();
        missing.remove("samplesTotal");
        assertTrue(schema.violations(missing).toString().contains("missing required samplesTotal"));
    }
}
