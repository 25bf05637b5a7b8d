package dev.streamtrain.operator;

import dev.streamtrain.sample.DeadLetter;
import dev.streamtrain.sample.DeadLetterReason;
import dev.streamtrain.sample.LabelKind;
import dev.streamtrain.sample.SampleEncoder;
import dev.streamtrain.sample.SampleFormat;
import dev.streamtrain.sample.SampleSchema;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Turns the rows of a batch the divergence guard skipped into dead letters of reason {@link
 * DeadLetterReason#DIVERGED}.
 *
 * <p>The trainer receives decoded rows ({@code SampleBlock}), not record bytes: carrying every
 * record's bytes to the trainer for the rare skipped batch would double the hot path's memory
 * traffic. So the value is the sample written back in the job's format with {@link SampleEncoder}:
 * for BINARY byte for byte the original record (the layout is exactly the float32 values); for JSON
 * an equivalent record with the same values and event time (whitespace and number spelling may
 * differ). Topic, partition and offset are the original record's, so the record itself can be read
 * back from Kafka while the topic retains it; the timestamp is the row's event time.
 */
final class DivergedDeadLetters {
    private DivergedDeadLetters() {}

    static void emit(BatchBuffer rows, SampleSchema schema, String message, Consumer<DeadLetter> out) {
        int inputDim = rows.inputDim();
        int labelWidth = rows.labelWidth();
        for (int r = 0; r < rows.rows(); r++) {
            float[] features = Arrays.copyOfRange(rows.features(), r * inputDim, (r + 1) * inputDim);
            float[] label = Arrays.copyOfRange(rows.labels(), r * labelWidth, (r + 1) * labelWidth);
            byte[] value = encode(schema, features, label, rows.eventTime(r));
            out.accept(new DeadLetter(
                    value,
                    rows.topic(r),
                    rows.partition(r),
                    rows.offset(r),
                    rows.eventTime(r),
                    DeadLetterReason.DIVERGED,
                    message));
        }
    }

    private static byte[] encode(SampleSchema schema, float[] features, float[] label, long eventTime) {
        boolean classIndex = schema != null && schema.labelKind() == LabelKind.CLASS;
        if (schema != null && schema.format() == SampleFormat.JSON) {
            return SampleEncoder.json(features, label, classIndex, eventTime);
        }
        return classIndex ? SampleEncoder.binary(features, (int) label[0]) : SampleEncoder.binary(features, label);
    }
}
