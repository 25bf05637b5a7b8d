package dev.streamtrain.sample.synthetic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.streamtrain.sample.DeadLetterReason;
import dev.streamtrain.sample.DecodedRecord;
import dev.streamtrain.sample.LabelKind;
import dev.streamtrain.sample.SampleDecoder;
import dev.streamtrain.sample.SampleFormat;
import dev.streamtrain.sample.SampleSchema;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class InvalidRecordsTest {

    @ParameterizedTest
    @EnumSource(SampleFormat.class)
    void eachExampleIsRejectedWithItsReason(SampleFormat format) {
        for (LabelKind kind : LabelKind.values()) {
            SampleSchema.Builder b = SampleSchema.builder()
                    .format(format)
                    .featureDim(4)
                    .labelKind(kind)
                    .maxRecordBytes(256);
            SampleSchema schema = kind == LabelKind.CLASS
                    ? b.numClasses(3).build()
                    : b.labelDim(2).build();
            Map<DeadLetterReason, byte[]> examples = InvalidRecords.oneOfEach(schema);

            Set<DeadLetterReason> expected = EnumSet.allOf(DeadLetterReason.class);
            // DIVERGED is the trainer's verdict on a batch, not a property of one record
            expected.remove(DeadLetterReason.DIVERGED);
            if (format == SampleFormat.BINARY) {
                expected.remove(DeadLetterReason.UNPARSEABLE);
            }
            if (kind == LabelKind.REGRESSION) {
                expected.remove(DeadLetterReason.INVALID_LABEL);
            }
            assertEquals(expected, examples.keySet(), schema.toString());
            assertEquals(new ArrayList<>(expected), List.copyOf(examples.keySet()), "listed in reason order");

            SampleDecoder decoder = new SampleDecoder(schema);
            examples.forEach((reason, bytes) -> {
                DecodedRecord r = decoder.decode(bytes, "samples", 0, 0, 0);
                assertFalse(r.valid(), reason + " example accepted for " + schema);
                assertEquals(reason, r.deadLetter.reason, schema + ": " + r.deadLetter.message);
            });
        }
    }
}
