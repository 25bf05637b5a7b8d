package dev.streamtrain.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A safetensors parser written from the format description only, sharing no code with
 * {@link SafetensorsWriter}, so that tests check the bytes against the format rather than against
 * the writer's own idea of it. It also enforces what the reference (Rust) reader enforces: header
 * starts with '{', offsets are contiguous from 0 and cover the whole data section.
 */
final class SafetensorsTestReader {

    record Parsed(
            Map<String, long[]> shapes, Map<String, float[]> tensors, Map<String, String> metadata, int headerLength) {}

    static Parsed parse(byte[] file) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        long n = buf.getLong(0);
        assertTrue(n > 0 && 8 + n <= file.length, "header length " + n + " fits the file");
        assertEquals(0, (8 + n) % 8, "data section starts 8-byte aligned");
        String header = new String(file, 8, (int) n, StandardCharsets.UTF_8);
        assertTrue(header.startsWith("{"), "header starts with '{'");
        assertTrue(header.replaceAll(" +$", "").endsWith("}"), "only trailing spaces pad the header");
        JsonNode root = new ObjectMapper().readTree(header);
        int dataStart = (int) (8 + n);
        int dataLength = file.length - dataStart;

        Map<String, String> metadata = new LinkedHashMap<>();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        Map<String, float[]> tensors = new LinkedHashMap<>();
        List<long[]> ranges = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals("__metadata__")) {
                e.getValue().fields().forEachRemaining(m -> {
                    assertTrue(m.getValue().isTextual(), "metadata values are strings");
                    metadata.put(m.getKey(), m.getValue().textValue());
                });
                continue;
            }
            JsonNode info = e.getValue();
            assertEquals("F32", info.get("dtype").textValue(), e.getKey() + " dtype");
            long[] shape = new long[info.get("shape").size()];
            long count = 1;
            for (int i = 0; i < shape.length; i++) {
                shape[i] = info.get("shape").get(i).longValue();
                count *= shape[i];
            }
            long begin = info.get("data_offsets").get(0).longValue();
            long end = info.get("data_offsets").get(1).longValue();
            assertEquals(count * 4, end - begin, e.getKey() + " byte range matches its shape");
            float[] values = new float[(int) count];
            ByteBuffer data = ByteBuffer.wrap(file, dataStart + (int) begin, (int) (end - begin))
                    .order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < values.length; i++) {
                values[i] = Float.intBitsToFloat(data.getInt());
            }
            shapes.put(e.getKey(), shape);
            tensors.put(e.getKey(), values);
            ranges.add(new long[] {begin, end});
        }
        ranges.sort((a, b) -> Long.compare(a[0], b[0]));
        long expected = 0;
        for (long[] r : ranges) {
            assertEquals(expected, r[0], "tensors are contiguous, no holes or overlaps");
            expected = r[1];
        }
        assertEquals(dataLength, expected, "offsets cover the whole data section");
        return new Parsed(shapes, tensors, metadata, (int) n);
    }

    private SafetensorsTestReader() {}
}
