package dev.streamtrain.jobs.serve;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.Arrays;

/**
 * The body of {@code POST /predict}: {@code {"features": [[f, …], …]}}, one row per prediction.
 * Parsed with Jackson's streaming parser straight into one float array (no tree per value); every
 * rule is checked with a message saying what is wrong: rows of exactly {@code inputDim} numbers,
 * finite as float32, at least one row. Other top-level fields are ignored.
 */
final class PredictRequest {
    private static final JsonFactory JSON = new JsonFactory();

    final float[] features;
    final int rows;

    private PredictRequest(float[] features, int rows) {
        this.features = features;
        this.rows = rows;
    }

    /** @throws BadRequest with a message for the client */
    static PredictRequest parse(byte[] body, int inputDim) {
        try (JsonParser p = JSON.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new BadRequest("the body must be a JSON object {\"features\": [[...], ...]}");
            }
            PredictRequest request = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                if (field.equals("features")) {
                    request = rows(p, inputDim);
                } else {
                    p.skipChildren();
                }
            }
            if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
                throw new BadRequest("malformed JSON: trailing content after the object");
            }
            if (request == null) {
                throw new BadRequest("missing \"features\": an array of rows of " + inputDim + " numbers");
            }
            return request;
        } catch (JsonProcessingException e) {
            throw new BadRequest("malformed JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new BadRequest("unreadable body: " + e.getMessage());
        }
    }

    private static PredictRequest rows(JsonParser p, int inputDim) throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            throw new BadRequest("\"features\" must be an array of rows");
        }
        float[] values = new float[inputDim * 16];
        int rows = 0;
        while (p.nextToken() != JsonToken.END_ARRAY) {
            if (p.currentToken() != JsonToken.START_ARRAY) {
                throw new BadRequest("row " + rows + " must be an array of " + inputDim + " numbers");
            }
            int column = 0;
            while (p.nextToken() != JsonToken.END_ARRAY) {
                if (!p.currentToken().isNumeric()) {
                    throw new BadRequest(
                            "row " + rows + ", feature " + column + ": expected a number, got " + p.getText());
                }
                float v = (float) p.getDoubleValue();
                if (!Float.isFinite(v)) {
                    throw new BadRequest(
                            "row " + rows + ", feature " + column + ": " + p.getText() + " is not a finite float32");
                }
                if (column >= inputDim) {
                    throw new BadRequest("row " + rows + " has more than " + inputDim + " features");
                }
                int at = rows * inputDim + column;
                if (at >= values.length) {
                    values = Arrays.copyOf(values, values.length * 2);
                }
                values[at] = v;
                column++;
            }
            if (column != inputDim) {
                throw new BadRequest("row " + rows + " has " + column + " features, the model takes " + inputDim);
            }
            rows++;
        }
        if (rows == 0) {
            throw new BadRequest("\"features\" holds no rows");
        }
        return new PredictRequest(Arrays.copyOf(values, rows * inputDim), rows);
    }

    /** The client sent something the predictor cannot answer: HTTP 400 with this message. */
    static final class BadRequest extends RuntimeException {
        private static final long serialVersionUID = 1L;

        BadRequest(String message) {
            super(message, null, false, false);
        }
    }
}
