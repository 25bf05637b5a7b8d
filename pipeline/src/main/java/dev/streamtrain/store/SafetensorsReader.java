package dev.streamtrain.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads the float32 tensors of a safetensors file (what {@link SafetensorsWriter} and torch's
 * {@code save_file} write): an 8-byte little-endian header length, a JSON header naming each
 * tensor's dtype, shape and byte range, then the data. Only F32 is accepted: the project writes
 * nothing else, and a model in another dtype must not be served as if it were float32.
 */
public final class SafetensorsReader {
    /** Headers above this are refused before anything is allocated (torch's reader has the same guard). */
    private static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

    /** One tensor: its shape and row-major values. */
    public record Tensor(long[] shape, float[] values) {}

    private SafetensorsReader() {}

    /** name → tensor, in header order; {@code __metadata__} is skipped. */
    public static Map<String, Tensor> read(byte[] file) throws IOException {
        long headerLength = headerLength(file);
        JsonNode header = header(file, headerLength);
        long dataStart = 8 + headerLength;
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals("__metadata__")) {
                continue;
            }
            JsonNode t = e.getValue();
            if (!"F32".equals(t.path("dtype").asText())) {
                throw new IOException(
                        "tensor " + e.getKey() + " is " + t.path("dtype").asText() + ", only F32 is read");
            }
            long[] shape = new long[t.path("shape").size()];
            long elements = 1;
            for (int i = 0; i < shape.length; i++) {
                shape[i] = t.path("shape").get(i).asLong();
                elements *= shape[i];
            }
            long begin = t.path("data_offsets").path(0).asLong(-1);
            long end = t.path("data_offsets").path(1).asLong(-1);
            if (begin < 0 || end < begin || dataStart + end > file.length || end - begin != elements * 4) {
                throw new IOException("tensor " + e.getKey() + ": data_offsets [" + begin + ", " + end
                        + ") do not hold " + elements + " floats inside the file");
            }
            float[] values = new float[(int) elements];
            ByteBuffer.wrap(file, (int) (dataStart + begin), (int) (end - begin))
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .asFloatBuffer()
                    .get(values);
            tensors.put(e.getKey(), new Tensor(shape, values));
        }
        return tensors;
    }

    /** The header's {@code __metadata__} (string to string, as safetensors requires); empty when absent. */
    public static Map<String, String> metadata(byte[] file) throws IOException {
        JsonNode meta = header(file, headerLength(file)).path("__metadata__");
        Map<String, String> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = meta.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            out.put(e.getKey(), e.getValue().asText());
        }
        return out;
    }

    private static long headerLength(byte[] file) throws IOException {
        if (file.length < 8) {
            throw new IOException("not a safetensors file: " + file.length + " bytes");
        }
        long headerLength =
                ByteBuffer.wrap(file, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (headerLength < 2 || headerLength > MAX_HEADER_BYTES || 8 + headerLength > file.length) {
            throw new IOException(
                    "not a safetensors file: header length " + headerLength + " in " + file.length + " bytes");
        }
        return headerLength;
    }

    private static JsonNode header(byte[] file, long headerLength) throws IOException {
        JsonNode header = new ObjectMapper().readTree(new String(file, 8, (int) headerLength, StandardCharsets.UTF_8));
        if (header == null || !header.isObject()) {
            throw new IOException("not a safetensors file: the header is not a JSON object");
        }
        return header;
    }
}
