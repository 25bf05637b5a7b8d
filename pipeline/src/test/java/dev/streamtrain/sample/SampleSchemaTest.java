package dev.streamtrain.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.junit.jupiter.api.Test;

class SampleSchemaTest {

    @Test
    void defaultsToOneRegressionTargetAndOneMebibyte() {
        SampleSchema s =
                SampleSchema.builder().format(SampleFormat.BINARY).featureDim(8).build();
        assertEquals(LabelKind.REGRESSION, s.labelKind());
        assertEquals(1, s.labelWidth());
        assertEquals(SampleSchema.DEFAULT_MAX_RECORD_BYTES, s.maxRecordBytes());
        assertEquals(36, s.binaryRecordBytes());
    }

    @Test
    void classLabelsAreOneValueWide() {
        SampleSchema s = SampleSchema.builder()
                .format(SampleFormat.JSON)
                .featureDim(3)
                .classes(10)
                .build();
        assertEquals(1, s.labelWidth());
        assertEquals(10, s.numClasses());
        assertEquals(s, s.toBuilder().build());
    }

    @Test
    void messagesNameTheSettingToFix() {
        assertMessage("format", () -> SampleSchema.builder().featureDim(1).build());
        assertMessage(
                "featureDim",
                () -> SampleSchema.builder().format(SampleFormat.JSON).build());
        assertMessage(
                "numClasses",
                () -> SampleSchema.builder()
                        .format(SampleFormat.JSON)
                        .featureDim(1)
                        .labelKind(LabelKind.CLASS)
                        .build());
        assertMessage(
                "numClasses",
                () -> SampleSchema.builder()
                        .format(SampleFormat.JSON)
                        .featureDim(1)
                        .classes(1)
                        .build());
        assertMessage(
                "numClasses",
                () -> SampleSchema.builder()
                        .format(SampleFormat.JSON)
                        .featureDim(1)
                        .numClasses(3)
                        .build());
        assertMessage(
                "labelDim",
                () -> SampleSchema.builder()
                        .format(SampleFormat.JSON)
                        .featureDim(1)
                        .classes(3)
                        .labelDim(2)
                        .build());
        assertMessage(
                "labelDim",
                () -> SampleSchema.builder()
                        .format(SampleFormat.JSON)
                        .featureDim(1)
                        .regression(0)
                        .build());
        assertMessage(
                "maxRecordBytes",
                () -> SampleSchema.builder()
                        .format(SampleFormat.BINARY)
                        .featureDim(100)
                        .maxRecordBytes(100)
                        .build());
        assertMessage(
                "maxRecordBytes",
                () -> SampleSchema.builder()
                        .format(SampleFormat.BINARY)
                        .featureDim(Integer.MAX_VALUE)
                        .build());
    }

    @Test
    void flinkTreatsTheRecordTypesAsPojosNotKryo() {
        for (Class<?> c : new Class<?>[] {Sample.class, DeadLetter.class, DecodedRecord.class}) {
            assertTrue(TypeInformation.of(c) instanceof PojoTypeInfo, c + " is not a Flink POJO");
        }
    }

    private static void assertMessage(String mustMention, Runnable build) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, build::run);
        assertTrue(
                e.getMessage().contains(mustMention), () -> "'" + e.getMessage() + "' should mention " + mustMention);
    }
}
