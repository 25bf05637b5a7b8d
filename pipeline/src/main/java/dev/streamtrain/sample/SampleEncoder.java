package dev.streamtrain.sample;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Writes samples as Kafka record values, for producers, demos and tests.
 *
 * <p>{@link #encode(Sample)} checks the dimensions against the schema so that a producer bug
 * fails at the producer, not as dead letters downstream. The static {@code json}/{@code binary}
 * writers check nothing and write exactly what they are given, so tests and tools can also make
 * records that are deliberately invalid.
 */
public final class SampleEncoder {

    private final SampleSchema schema;

    public SampleEncoder(SampleSchema schema) {
        this.schema = schema;
    }

    public SampleSchema schema() {
        return schema;
    }

    /**
     * Encodes in the schema's format. JSON carries {@code eventTimeMillis} as {@code eventTime};
     * BINARY has no room for it (the Kafka record timestamp is the event time there).
     *
     * @throws IllegalArgumentException if the features or label do not fit the schema
     */
    public byte[] encode(Sample sample) {
        if (sample.features == null || sample.features.length != schema.featureDim()) {
            throw new IllegalArgumentException("expected " + schema.featureDim() + " features, got "
                    + (sample.features == null ? "none" : sample.features.length));
        }
        if (sample.label == null || sample.label.length != schema.labelWidth()) {
            throw new IllegalArgumentException("expected " + schema.labelWidth() + " label values, got "
                    + (sample.label == null ? "none" : sample.label.length));
        }
        boolean classIndex = schema.labelKind() == LabelKind.CLASS;
        if (schema.format() == SampleFormat.JSON) {
            return json(sample.features, sample.label, classIndex, sample.eventTimeMillis);
        }
        if (classIndex) {
            float c = sample.label[0];
            if (c != (int) c) {
                throw new IllegalArgumentException("a BINARY class label must be an integer, got " + c);
            }
            return binary(sample.features, (int) c);
        }
        return binary(sample.features, sample.label);
    }

    /**
     * A JSON sample. A one-value label is written as a plain number (an integer when
     * {@code classIndex} and the value is integral), longer labels as an array.
     *
     * @param eventTimeMillis written as {@code eventTime} unless null
     */
    public static byte[] json(float[] features, float[] label, boolean classIndex, Long eventTimeMillis) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(16 + 12 * (features.length + label.length));
        try (JsonGenerator g = SampleJson.FACTORY.createGenerator(out)) {
            g.writeStartObject();
            g.writeFieldName(SampleJson.FEATURES);
            // float by float: Jackson's writeArray has no float[] overload, and writing doubles
            // would print the float's binary expansion (0.1f as 0.10000000149011612)
            g.writeStartArray();
            for (float v : features) {
                g.writeNumber(v);
            }
            g.writeEndArray();
            g.writeFieldName(SampleJson.LABEL);
            if (label.length == 1) {
                writeLabelValue(g, label[0], classIndex);
            } else {
                g.writeStartArray();
                for (float v : label) {
                    writeLabelValue(g, v, classIndex);
                }
                g.writeEndArray();
            }
            if (eventTimeMillis != null) {
                g.writeNumberField(SampleJson.EVENT_TIME, eventTimeMillis);
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("writing JSON to memory cannot fail", e);
        }
        return out.toByteArray();
    }

    private static void writeLabelValue(JsonGenerator g, float v, boolean classIndex) throws IOException {
        if (classIndex && v == (int) v) {
            g.writeNumber((int) v);
        } else {
            g.writeNumber(v);
        }
    }

    /** A BINARY sample with float labels (REGRESSION/BINARY layout). */
    public static byte[] binary(float[] features, float[] label) {
        ByteBuffer b = ByteBuffer.allocate(Float.BYTES * (features.length + label.length))
                .order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(features).put(label);
        return b.array();
    }

    /** A BINARY sample with an int32 class index (CLASS layout). */
    public static byte[] binary(float[] features, int classIndex) {
        ByteBuffer b = ByteBuffer.allocate(Float.BYTES * features.length + Integer.BYTES)
                .order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(features);
        b.putInt(Float.BYTES * features.length, classIndex);
        return b.array();
    }
}
