package dev.streamtrain.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Checks a JSON document against the subset of JSON Schema that checkpoint-event.schema.json uses
 * (type, required, properties, additionalProperties, items, enum, const, oneOf, local $ref,
 * pattern). Small on purpose: no validator dependency for one schema.
 */
final class JsonSchemaCheck {
    private final JsonNode root;

    private JsonSchemaCheck(JsonNode root) {
        this.root = root;
    }

    static JsonSchemaCheck checkpointEventSchema() throws IOException {
        try (InputStream in = JsonSchemaCheck.class.getResourceAsStream("/schemas/checkpoint-event.schema.json")) {
            return new JsonSchemaCheck(new ObjectMapper().readTree(in));
        }
    }

    /** Every violation, as "path: problem"; empty when the document conforms. */
    List<String> violations(JsonNode doc) {
        List<String> out = new ArrayList<>();
        check(root, doc, "$", out);
        return out;
    }

    private void check(JsonNode schema, JsonNode value, String path, List<String> out) {
        if (schema.has("$ref")) {
            String ref = schema.get("$ref").asText(); // "#/$defs/name"
            check(root.at(ref.substring(1)), value, path, out);
            return;
        }
        if (schema.has("oneOf")) {
            int matches = 0;
            List<String> sameTypeProblems = null;
            for (JsonNode option : schema.get("oneOf")) {
                List<String> sub = new ArrayList<>();
                check(option, value, path, sub);
                matches += sub.isEmpty() ? 1 : 0;
                JsonNode resolved = option.has("$ref") ? root.at(option.get("$ref").asText().substring(1)) : option;
                if (!sub.isEmpty() && resolved.has("type") && typeMatches(resolved.get("type"), value)) {
                    sameTypeProblems = sub; // the option meant for this kind of value says what is wrong
                }
            }
            if (matches == 0 && sameTypeProblems != null) {
                out.addAll(sameTypeProblems);
            } else if (matches != 1) {
                out.add(path + ": matches " + matches + " of oneOf");
            }
            return;
        }
        if (schema.has("const") && !schema.get("const").equals(value)) {
            out.add(path + ": must be " + schema.get("const"));
        }
        if (schema.has("enum")) {
            boolean found = false;
            for (JsonNode e : schema.get("enum")) {
                found |= e.equals(value);
            }
            if (!found) {
                out.add(path + ": " + value + " not in " + schema.get("enum"));
            }
        }
        if (schema.has("type") && !typeMatches(schema.get("type"), value)) {
            out.add(path + ": " + value.getNodeType() + " is not " + schema.get("type"));
            return;
        }
        if (schema.has("pattern") && value.isTextual() && !value.asText().matches(schema.get("pattern").asText())) {
            out.add(path + ": '" + value.asText() + "' does not match " + schema.get("pattern").asText());
        }
        if (value.isObject()) {
            for (JsonNode r : schema.path("required")) {
                if (!value.has(r.asText())) {
                    out.add(path + ": missing required " + r.asText());
                }
            }
            JsonNode props = schema.path("properties");
            for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                if (props.has(f.getKey())) {
                    check(props.get(f.getKey()), f.getValue(), path + "." + f.getKey(), out);
                } else if (schema.has("additionalProperties")) {
                    JsonNode extra = schema.get("additionalProperties");
                    if (extra.isBoolean() && !extra.asBoolean()) {
                        out.add(path + ": undeclared property " + f.getKey());
                    } else if (extra.isObject()) {
                        check(extra, f.getValue(), path + "." + f.getKey(), out);
                    }
                }
            }
        }
        if (value.isArray() && schema.has("items")) {
            for (int i = 0; i < value.size(); i++) {
                check(schema.get("items"), value.get(i), path + "[" + i + "]", out);
            }
        }
    }

    private static boolean typeMatches(JsonNode type, JsonNode value) {
        if (type.isArray()) {
            for (JsonNode t : type) {
                if (typeMatches(t, value)) {
                    return true;
                }
            }
            return false;
        }
        return switch (type.asText()) {
            case "object" -> value.isObject();
            case "array" -> value.isArray();
            case "string" -> value.isTextual();
            case "integer" -> value.isIntegralNumber();
            case "number" -> value.isNumber();
            case "boolean" -> value.isBoolean();
            case "null" -> value.isNull();
            default -> false;
        };
    }
}
