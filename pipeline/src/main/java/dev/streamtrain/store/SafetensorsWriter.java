package dev.streamtrain.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Writes float32 tensors in the <a href="https://github.com/huggingface/safetensors">safetensors</a>
 * format: an 8-byte little-endian header length, a JSON header (tensor name → dtype, shape, byte
 * offsets, plus {@code __metadata__} string pairs) padded with spaces to a multiple of 8, then the
 * raw little-endian data of every tensor, back to back, in header order.
 *
 * <p>Streams: the header is the only thing built in memory; tensor data goes out through one
 * reusable 64 KiB buffer, so writing a large model costs no second copy of it. Bits are kept
 * exactly (NaN payloads and -0.0 included).
 *
 * <p>Stateless and thread-safe.
 */
public final class SafetensorsWriter {

    /** The header key safetensors reserves for free-form string metadata. */
    public static final String METADATA_KEY = "__metadata__";

    /** safetensors readers refuse headers above 100 MB; fail here with a clear message instead. */
    static final long MAX_HEADER_BYTES = 100_000_000L;

    private static final int CHUNK_BYTES = 64 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    private SafetensorsWriter() {}

    /**
     * One float32 tensor to write.
     *
     * @param values read-only view whose remaining floats (position to limit) are the tensor's
     *     row-major data; the writer reads it through a duplicate and leaves it untouched
     */
    public record Tensor(String name, long[] shape, FloatBuffer values) {
        public Tensor {
            Objects.requireNonNull(name, "name");
            shape = Objects.requireNonNull(shape, "shape").clone();
            Objects.requireNonNull(values, "values");
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }

        long elementCount() {
            return values.remaining();
        }
    }

    /**
     * Writes the tensors and metadata to {@code out} and returns the bytes written. Does not close
     * or flush {@code out}.
     *
     * @throws IllegalArgumentException for empty or duplicate names, the reserved name
     *     {@value #METADATA_KEY}, or a shape that does not match the number of values
     */
    public static long write(List<Tensor> tensors, Map<String, String> metadata, OutputStream out) throws IOException {
        byte[] header = header(tensors, metadata);
        ByteBuffer chunk = ByteBuffer.allocate(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        chunk.putLong(header.length);
        out.write(chunk.array(), 0, Long.BYTES);
        out.write(header);
        long written = Long.BYTES + header.length;
        for (Tensor tensor : tensors) {
            written += writeData(tensor.values().duplicate(), chunk, out);
        }
        return written;
    }

    /** The exact size {@link #write} will produce, without writing anything. */
    public static long sizeOf(List<Tensor> tensors, Map<String, String> metadata) {
        long size = Long.BYTES + header(tensors, metadata).length;
        for (Tensor tensor : tensors) {
            size += tensor.elementCount() * Float.BYTES;
        }
        return size;
    }

    /** The JSON header, space-padded so that the data starts 8-byte aligned. */
    static byte[] header(List<Tensor> tensors, Map<String, String> metadata) {
        Map<String, Object> json = new LinkedHashMap<>();
        if (metadata != null && !metadata.isEmpty()) {
            json.put(METADATA_KEY, new LinkedHashMap<>(metadata));
        }
        Set<String> names = new HashSet<>();
        long offset = 0;
        for (Tensor tensor : tensors) {
            validate(tensor, names);
            long end = offset + tensor.elementCount() * Float.BYTES;
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("dtype", "F32");
            entry.put("shape", tensor.shape());
            entry.put("data_offsets", new long[] {offset, end});
            json.put(tensor.name(), entry);
            offset = end;
        }
        byte[] raw;
        try {
            raw = JSON.writeValueAsString(json).getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("could not serialise a safetensors header", e);
        }
        int padded = (raw.length + 7) & ~7;
        if (padded > MAX_HEADER_BYTES) {
            throw new IllegalArgumentException(
                    "safetensors header of " + padded + " bytes exceeds the format's limit of " + MAX_HEADER_BYTES
                            + " bytes; use fewer tensors or less metadata");
        }
        byte[] header = Arrays.copyOf(raw, padded);
        Arrays.fill(header, raw.length, padded, (byte) ' ');
        return header;
    }

    private static void validate(Tensor tensor, Set<String> seen) {
        String name = tensor.name();
        if (name.isEmpty() || METADATA_KEY.equals(name)) {
            throw new IllegalArgumentException("invalid safetensors tensor name '" + name + "'");
        }
        if (!seen.add(name)) {
            throw new IllegalArgumentException("duplicate safetensors tensor name '" + name + "'");
        }
        long expected = 1;
        for (long dim : tensor.shape()) {
            if (dim < 0) {
                throw new IllegalArgumentException(
                        "tensor " + name + " has a negative dimension: " + Arrays.toString(tensor.shape()));
            }
            expected *= dim;
        }
        if (expected != tensor.elementCount()) {
            throw new IllegalArgumentException("tensor " + name + " has shape " + Arrays.toString(tensor.shape()) + " ("
                    + expected + " values) but " + tensor.elementCount() + " values");
        }
    }

    /** Copies floats into the little-endian chunk and writes it, one chunk at a time. */
    private static long writeData(FloatBuffer source, ByteBuffer chunk, OutputStream out) throws IOException {
        FloatBuffer target = chunk.clear().asFloatBuffer(); // inherits LITTLE_ENDIAN
        long written = 0;
        int end = source.limit();
        while (source.position() < end) {
            int count = Math.min(target.capacity(), end - source.position());
            source.limit(source.position() + count);
            target.clear();
            target.put(source); // a bulk copy (with byte swapping only on big-endian hosts)
            source.limit(end);
            out.write(chunk.array(), 0, count * Float.BYTES);
            written += (long) count * Float.BYTES;
        }
        return written;
    }
}
