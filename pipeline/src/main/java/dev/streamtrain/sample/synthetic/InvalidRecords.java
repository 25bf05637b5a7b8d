package dev.streamtrain.sample.synthetic;

import dev.streamtrain.sample.DeadLetterReason;
import dev.streamtrain.sample.LabelKind;
import dev.streamtrain.sample.SampleEncoder;
import dev.streamtrain.sample.SampleFormat;
import dev.streamtrain.sample.SampleSchema;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One deliberately bad record value per {@link DeadLetterReason}, for bad-input tests: produce
 * them among good records and expect each in the DLQ with its reason and these exact bytes.
 *
 * <p>Only the reasons that the schema can produce are listed: BINARY records have no syntax, so
 * never UNPARSEABLE, and every finite REGRESSION label is valid, so never INVALID_LABEL.
 * A null value (tombstone) is EMPTY too but cannot be listed as bytes.
 *
 * <p>The OVERSIZE example is {@code maxRecordBytes + 1} bytes: with the 1 MiB default it exceeds
 * Kafka's default {@code max.request.size}/{@code max.message.bytes}, so an end-to-end test
 * should use a schema with a small {@code maxRecordBytes}.
 */
public final class InvalidRecords {

    private InvalidRecords() {}

    /** Reason → a record value that the decoder rejects with exactly that reason, in reason order. */
    public static Map<DeadLetterReason, byte[]> oneOfEach(SampleSchema schema) {
        Map<DeadLetterReason, byte[]> m = new LinkedHashMap<>();
        float[] features = filled(schema.featureDim(), 0.5f);
        float[] goodLabel = filled(schema.labelWidth(), schema.labelKind() == LabelKind.REGRESSION ? 0.5f : 1f);
        boolean json = schema.format() == SampleFormat.JSON;
        boolean classes = schema.labelKind() == LabelKind.CLASS;

        m.put(DeadLetterReason.EMPTY, new byte[0]);
        m.put(DeadLetterReason.OVERSIZE, oversize(schema, encode(schema, features, goodLabel)));
        if (json) {
            m.put(DeadLetterReason.UNPARSEABLE, "{\"features\":[0.5,".getBytes(StandardCharsets.UTF_8));
        }
        m.put(DeadLetterReason.WRONG_DIMENSION, encode(schema, filled(schema.featureDim() + 1, 0.5f), goodLabel));
        float[] nan = features.clone();
        nan[0] = Float.NaN;
        m.put(DeadLetterReason.NON_FINITE, encode(schema, nan, goodLabel));
        if (schema.labelKind() == LabelKind.BINARY) {
            m.put(DeadLetterReason.INVALID_LABEL, encode(schema, features, filled(schema.labelWidth(), 0.5f)));
        } else if (classes) {
            m.put(DeadLetterReason.INVALID_LABEL, encode(schema, features, new float[] {schema.numClasses()}));
        }
        return Collections.unmodifiableMap(m);
    }

    /** A valid record followed by padding (whitespace for JSON) up to one byte over the limit. */
    private static byte[] oversize(SampleSchema schema, byte[] valid) {
        byte[] big = Arrays.copyOf(valid, Math.max(valid.length, schema.maxRecordBytes() + 1));
        if (schema.format() == SampleFormat.JSON) {
            Arrays.fill(big, valid.length, big.length, (byte) ' ');
        }
        return big;
    }

    /** Writes whatever it is given, bypassing the encoder's dimension checks on purpose. */
    private static byte[] encode(SampleSchema schema, float[] features, float[] label) {
        boolean classes = schema.labelKind() == LabelKind.CLASS;
        if (schema.format() == SampleFormat.JSON) {
            return SampleEncoder.json(features, label, classes, null);
        }
        return classes ? SampleEncoder.binary(features, (int) label[0]) : SampleEncoder.binary(features, label);
    }

    private static float[] filled(int n, float v) {
        float[] a = new float[n];
        Arrays.fill(a, v);
        return a;
    }
}
