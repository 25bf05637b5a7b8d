package dev.streamtrain.sample;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Turns a Kafka record value into a {@link Sample}, or into a {@link DeadLetter} that says why not.
 *
 * <p>Runs once per record, so it parses JSON with Jackson's streaming parser straight into
 * float arrays (no tree, no boxing) and BINARY with one bulk copy. It never throws on bad input.
 * Checks run in the order of {@link DeadLetterReason}; the first that fails is reported, and JSON
 * is parsed to the end before the dimension checks so that broken syntax is always UNPARSEABLE.
 *
 * <p>Stateless, hence thread-safe and cheap to ship inside a Flink function.
 */
public final class SampleDecoder implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Bounds the DLQ header size when a message quotes user data. */
    private static final int MAX_MESSAGE_CHARS = 500;

    private final SampleSchema schema;

    public SampleDecoder(SampleSchema schema) {
        this.schema = schema;
    }

    public SampleSchema schema() {
        return schema;
    }

    /**
     * @param value the record value, kept unchanged in a dead letter
     * @param timestamp the Kafka record timestamp: the event time unless a JSON record has its own
     */
    public DecodedRecord decode(byte[] value, String topic, int partition, long offset, long timestamp) {
        float[] features = new float[schema.featureDim()];
        float[] label = new float[schema.labelWidth()];
        try {
            long eventTime = decodeOrReject(value, timestamp, features, label);
            return DecodedRecord.of(new Sample(features, label, eventTime).withSource(topic, partition, offset));
        } catch (Rejection r) {
            return DecodedRecord.of(
                    new DeadLetter(value, topic, partition, offset, timestamp, r.reason, r.getMessage()));
        }
    }

    /**
     * Decodes into {@code row}'s reusable arrays: no allocation for a valid record. The same checks,
     * reasons and messages as {@link #decode}; a rejected record gets a {@link DeadLetter} holding
     * {@code value} itself.
     */
    public void decodeInto(byte[] value, String topic, int partition, long offset, long timestamp, DecodedRow row) {
        row.topic = topic;
        row.partition = partition;
        row.offset = offset;
        try {
            row.eventTimeMillis = decodeOrReject(value, timestamp, row.features, row.label);
            row.deadLetter = null;
        } catch (Rejection r) {
            row.eventTimeMillis = timestamp;
            row.deadLetter = new DeadLetter(value, topic, partition, offset, timestamp, r.reason, r.getMessage());
        }
    }

    /** Fills {@code features} and {@code label} (exactly featureDim and labelWidth long); returns the event time. */
    private long decodeOrReject(byte[] value, long timestamp, float[] features, float[] label) throws Rejection {
        if (value == null) {
            throw new Rejection(DeadLetterReason.EMPTY, "record value is null (a tombstone)");
        }
        if (value.length == 0) {
            throw new Rejection(DeadLetterReason.EMPTY, "record value has no bytes");
        }
        if (value.length > schema.maxRecordBytes()) {
            throw new Rejection(
                    DeadLetterReason.OVERSIZE,
                    "record value is " + value.length + " bytes, more than maxRecordBytes " + schema.maxRecordBytes());
        }
        if (schema.format() == SampleFormat.JSON) {
            return decodeJson(value, timestamp, features, label);
        }
        decodeBinary(value, features, label);
        return timestamp;
    }

    // ---------------------------------------------------------------- BINARY

    private void decodeBinary(byte[] value, float[] features, float[] label) throws Rejection {
        int expected = schema.binaryRecordBytes();
        if (value.length != expected) {
            throw new Rejection(
                    DeadLetterReason.WRONG_DIMENSION,
                    "BINARY record is " + value.length
                            + " bytes, expected exactly " + expected + " (" + schema.featureDim()
                            + " float32 features + "
                            + (schema.labelKind() == LabelKind.CLASS
                                    ? "1 int32 class index"
                                    : schema.labelDim() + " float32 label values")
                            + ")");
        }
        ByteBuffer buf = ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().get(features);
        checkFinite(features, "features");
        int labelStart = Float.BYTES * features.length;
        if (schema.labelKind() == LabelKind.CLASS) {
            int c = buf.getInt(labelStart);
            if (c < 0 || c >= schema.numClasses()) {
                throw classOutOfRange(Integer.toString(c));
            }
            label[0] = c;
        } else {
            buf.position(labelStart);
            buf.asFloatBuffer().get(label);
            checkFinite(label, "label");
            checkBinaryLabel(label);
        }
    }

    // ---------------------------------------------------------------- JSON

    private long decodeJson(byte[] value, long timestamp, float[] features, float[] labelOut) throws Rejection {
        int featureCount = -1; // -1: field absent
        LabelValues label = null;
        long eventTime = timestamp;
        try (JsonParser p = SampleJson.FACTORY.createParser(value)) {
            JsonToken t = p.nextToken();
            if (t == null) {
                throw new Rejection(DeadLetterReason.EMPTY, "record value has only whitespace");
            }
            if (t != JsonToken.START_OBJECT) {
                throw unparseable("expected a JSON object, found " + describe(t));
            }
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                t = p.nextToken();
                switch (field) {
                    case SampleJson.FEATURES:
                        if (featureCount >= 0) {
                            throw unparseable("\"features\" appears twice");
                        }
                        featureCount = readFloats(p, t, features, SampleJson.FEATURES);
                        break;
                    case SampleJson.LABEL:
                        if (label != null) {
                            throw unparseable("\"label\" appears twice");
                        }
                        label = readLabel(p, t);
                        break;
                    case SampleJson.EVENT_TIME:
                        if (t == JsonToken.VALUE_NUMBER_INT) {
                            eventTime = p.getLongValue();
                        } else if (t != JsonToken.VALUE_NULL) {
                            throw unparseable("\"eventTime\" must be an integer (epoch millis), found " + describe(t));
                        }
                        break;
                    default:
                        p.skipChildren(); // unknown fields are allowed, so producers can add their own
                }
            }
            if (p.nextToken() != null) {
                throw unparseable("content after the end of the JSON object");
            }
        } catch (IOException e) {
            // JsonParseException, number overflow (InputCoercionException), exceeded read constraints
            throw unparseable(originalMessage(e));
        }
        if (featureCount < 0) {
            throw unparseable("required field \"features\" is missing");
        }
        if (label == null) {
            throw unparseable("required field \"label\" is missing");
        }
        if (featureCount != features.length) {
            throw new Rejection(
                    DeadLetterReason.WRONG_DIMENSION, "expected " + features.length + " features, got " + featureCount);
        }
        if (label.count != schema.labelWidth()) {
            throw new Rejection(
                    DeadLetterReason.WRONG_DIMENSION,
                    "expected " + schema.labelWidth() + " label values, got " + label.count);
        }
        checkFinite(features, "features");
        label.toLabel(labelOut);
        return eventTime;
    }

    /**
     * Reads a JSON array of numbers into {@code into}; values beyond its length are only counted,
     * so the caller can report the actual dimension.
     */
    private static int readFloats(JsonParser p, JsonToken t, float[] into, String what) throws IOException, Rejection {
        if (t != JsonToken.START_ARRAY) {
            throw unparseable("\"" + what + "\" must be an array of numbers, found " + describe(t));
        }
        int n = 0;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (!t.isNumeric()) {
                throw unparseable(what + "[" + n + "] must be a number, found " + describe(t));
            }
            if (n < into.length) {
                into[n] = p.getFloatValue();
            }
            n++;
        }
        return n;
    }

    /** The label as read, before its dimension and values are checked. */
    private LabelValues readLabel(JsonParser p, JsonToken t) throws IOException, Rejection {
        LabelValues l = new LabelValues(schema.labelWidth());
        if (t.isNumeric()) {
            l.add(p);
        } else if (t == JsonToken.START_ARRAY) {
            while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                if (!t.isNumeric()) {
                    throw unparseable("label[" + l.count + "] must be a number, found " + describe(t));
                }
                l.add(p);
            }
        } else {
            throw unparseable("\"label\" must be a number or an array of numbers, found " + describe(t));
        }
        return l;
    }

    /**
     * Label numbers kept as doubles until validated: a class index such as 2.0000001 must be
     * rejected as non-integral, which a float could no longer tell.
     */
    private final class LabelValues {
        final double[] values;
        int count;

        LabelValues(int width) {
            values = new double[width];
        }

        void add(JsonParser p) throws IOException {
            if (count < values.length) {
                // float labels are parsed as floats so that they round-trip bit-exactly
                values[count] = schema.labelKind() == LabelKind.CLASS ? p.getDoubleValue() : p.getFloatValue();
            }
            count++;
        }

        void toLabel(float[] label) throws Rejection {
            for (int i = 0; i < values.length; i++) {
                if (!Double.isFinite(values[i]) || !Float.isFinite((float) values[i])) {
                    throw new Rejection(DeadLetterReason.NON_FINITE, "label[" + i + "] is " + values[i]);
                }
                label[i] = (float) values[i];
            }
            if (schema.labelKind() == LabelKind.CLASS) {
                double c = values[0];
                if (c != Math.rint(c)) {
                    throw new Rejection(DeadLetterReason.INVALID_LABEL, "class index must be an integer, got " + c);
                }
                if (c < 0 || c >= schema.numClasses()) {
                    throw classOutOfRange(Long.toString((long) c));
                }
            } else {
                checkBinaryLabel(label);
            }
        }
    }

    // ---------------------------------------------------------------- checks shared by both formats

    private static void checkFinite(float[] values, String what) throws Rejection {
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                throw new Rejection(DeadLetterReason.NON_FINITE, what + "[" + i + "] is " + values[i]);
            }
        }
    }

    private void checkBinaryLabel(float[] label) throws Rejection {
        if (schema.labelKind() != LabelKind.BINARY) {
            return;
        }
        for (int i = 0; i < label.length; i++) {
            if (label[i] != 0f && label[i] != 1f) {
                throw new Rejection(
                        DeadLetterReason.INVALID_LABEL, "binary label[" + i + "] must be 0 or 1, got " + label[i]);
            }
        }
    }

    private Rejection classOutOfRange(String index) {
        return new Rejection(
                DeadLetterReason.INVALID_LABEL,
                "class index must be in 0.." + (schema.numClasses() - 1) + ", got " + index);
    }

    private static Rejection unparseable(String message) {
        return new Rejection(DeadLetterReason.UNPARSEABLE, message);
    }

    private static String describe(JsonToken t) {
        if (t == null) {
            return "end of input";
        }
        switch (t) {
            case START_OBJECT:
                return "an object";
            case START_ARRAY:
                return "an array";
            case VALUE_STRING:
                return "a string";
            case VALUE_NULL:
                return "null";
            case VALUE_TRUE:
            case VALUE_FALSE:
                return "a boolean";
            case VALUE_NUMBER_INT:
            case VALUE_NUMBER_FLOAT:
                return "a number";
            default:
                return t.name();
        }
    }

    private static String originalMessage(IOException e) {
        if (!(e instanceof JsonProcessingException)) {
            return String.valueOf(e.getMessage());
        }
        JsonProcessingException j = (JsonProcessingException) e;
        JsonLocation at = j.getLocation();
        return j.getOriginalMessage() + (at == null ? "" : " (at byte " + at.getByteOffset() + ")");
    }

    /**
     * Internal control flow for "this record is bad". Bad records are rare, and without a stack
     * trace the exception costs little more than the message string.
     */
    private static final class Rejection extends Exception {
        private static final long serialVersionUID = 1L;
        final DeadLetterReason reason;

        Rejection(DeadLetterReason reason, String message) {
            super(
                    message.length() > MAX_MESSAGE_CHARS ? message.substring(0, MAX_MESSAGE_CHARS) + "…" : message,
                    null,
                    false,
                    false);
            this.reason = reason;
        }
    }
}
