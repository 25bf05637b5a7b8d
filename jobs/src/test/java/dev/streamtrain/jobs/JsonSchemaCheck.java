package dev.streamtrain.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/**
 * The checkpoint-event schema, checked by a maintained JSON Schema 2020-12 validator
 * (networknt json-schema-validator) with format assertions on: {@code format: date-time},
 * {@code minimum} and {@code maximum} are enforced, not only structure.
 */
final class JsonSchemaCheck {
    private static final String RESOURCE = "/schemas/checkpoint-event.schema.json";
    private final Schema schema;

    private JsonSchemaCheck(Schema schema) {
        this.schema = schema;
    }

    static JsonSchemaCheck checkpointEventSchema() throws IOException {
        try (InputStream in = JsonSchemaCheck.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IOException(RESOURCE + " is not on the classpath");
            }
            return new JsonSchemaCheck(SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
                    .getSchema(in));
        }
    }

    /** Every violation the validator finds; empty when the document conforms. */
    List<Error> errors(JsonNode doc) {
        // 2020-12 makes format an annotation by default: turn it into an assertion
        return schema.validate(doc, context -> context.executionConfig(c -> c.formatAssertionsEnabled(true)));
    }

    /** Every violation, as the validator words it ("location: problem"); empty when the document conforms. */
    List<String> violations(JsonNode doc) {
        return errors(doc).stream().map(Error::toString).toList();
    }
}
