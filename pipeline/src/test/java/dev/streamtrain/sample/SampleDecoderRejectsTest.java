package dev.streamtrain.sample;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SampleDecoderRejectsTest {

    private static final SampleSchema JSON_REG = SampleSchema.builder()
            .format(SampleFormat.JSON)
            .featureDim(2)
            .maxRecordBytes(200)
            .build();
    private static final SampleSchema JSON_BIN =
            JSON_REG.toBuilder().labelKind(LabelKind.BINARY).build();
    private static final SampleSchema JSON_CLASS = SampleSchema.builder()
            .format(SampleFormat.JSON)
            .featureDim(2)
            .classes(3)
            .maxRecordBytes(200)
            .build();
    private static final SampleSchema BIN_REG =
            JSON_REG.toBuilder().format(SampleFormat.BINARY).build();
    private static final SampleSchema BIN_BIN =
            JSON_BIN.toBuilder().format(SampleFormat.BINARY).build();
    private static final SampleSchema BIN_CLASS =
            JSON_CLASS.toBuilder().format(SampleFormat.BINARY).build();

    static Stream<Arguments> badRecords() {
        return Stream.of(
                bad(JSON_REG, new byte[0], DeadLetterReason.EMPTY),
                bad(JSON_REG, json("  \n "), DeadLetterReason.EMPTY),
                bad(BIN_REG, new byte[0], DeadLetterReason.EMPTY),
                bad(JSON_REG, new byte[201], DeadLetterReason.OVERSIZE),
                bad(BIN_REG, new byte[201], DeadLetterReason.OVERSIZE),
                bad(JSON_REG, json("{\"features\":[1,2],\"label\":"), DeadLetterReason.UNPARSEABLE),
                bad(JSON_REG, json("[1,2]"), DeadLetterReason.UNPARSEABLE),
                bad(JSON_REG, json("{\"features\":[1,2]}"), DeadLetterReason.UNPARSEABLE),
                bad(JSON_REG, json("{\"label\":1}"), DeadLetterReason.UNPARSEABLE),
                bad(JSON_REG, json("{\"features\":[1,\"2\"],\"label\":1}"), DeadLetterReason.UNPARSEABLE),
                bad(JSON_REG, json("{\"features\":[1,2],\"label\":true}"), DeadLetterReason.UNPARSEABLE),
                bad(
                        JSON_REG,
                        json("{\"features\":[1,2],\"label\":1,\"eventTime\":\"today\"}"),
                        DeadLetterReason.UNPARSEABLE),
                bad(JSON_REG, json("{\"features\":[1,2],\"label\":1} {}"), DeadLetterReason.UNPARSEABLE),
                bad(JSON_REG, new byte[] {(byte) 0xff, (byte) 0xfe, 0}, DeadLetterReason.UNPARSEABLE),
                // a syntax error after a wrong dimension is still UNPARSEABLE: the whole record is parsed first
                bad(JSON_REG, json("{\"features\":[1,2,3],\"label\":1,}"), DeadLetterReason.UNPARSEABLE),
                bad(JSON_REG, json("{\"features\":[1,2,3],\"label\":1}"), DeadLetterReason.WRONG_DIMENSION),
                bad(JSON_REG, json("{\"features\":[],\"label\":1}"), DeadLetterReason.WRONG_DIMENSION),
                bad(JSON_REG, json("{\"features\":[1,2],\"label\":[1,2]}"), DeadLetterReason.WRONG_DIMENSION),
                bad(JSON_REG, json("{\"features\":[1,2],\"label\":[]}"), DeadLetterReason.WRONG_DIMENSION),
                bad(BIN_REG, SampleEncoder.binary(new float[3], new float[1]), DeadLetterReason.WRONG_DIMENSION),
                bad(
                        BIN_CLASS,
                        SampleEncoder.binary(new float[2], new float[] {0, 0}),
                        DeadLetterReason.WRONG_DIMENSION),
                bad(JSON_REG, json("{\"features\":[NaN,2],\"label\":1}"), DeadLetterReason.NON_FINITE),
                bad(JSON_REG, json("{\"features\":[1,-Infinity],\"label\":1}"), DeadLetterReason.NON_FINITE),
                bad(JSON_REG, json("{\"features\":[1,1e39],\"label\":1}"), DeadLetterReason.NON_FINITE),
                bad(JSON_REG, json("{\"features\":[1,2],\"label\":NaN}"), DeadLetterReason.NON_FINITE),
                bad(JSON_CLASS, json("{\"features\":[1,2],\"label\":Infinity}"), DeadLetterReason.NON_FINITE),
                bad(
                        BIN_REG,
                        SampleEncoder.binary(new float[] {Float.NaN, 0}, new float[1]),
                        DeadLetterReason.NON_FINITE),
                bad(
                        BIN_REG,
                        SampleEncoder.binary(new float[2], new float[] {Float.POSITIVE_INFINITY}),
                        DeadLetterReason.NON_FINITE),
                bad(JSON_CLASS, json("{\"features\":[1,2],\"label\":3}"), DeadLetterReason.INVALID_LABEL),
                bad(JSON_CLASS, json("{\"features\":[1,2],\"label\":-1}"), DeadLetterReason.INVALID_LABEL),
                bad(JSON_CLASS, json("{\"features\":[1,2],\"label\":1.5}"), DeadLetterReason.INVALID_LABEL),
                bad(JSON_CLASS, json("{\"features\":[1,2],\"label\":1.0000000001}"), DeadLetterReason.INVALID_LABEL),
                bad(JSON_CLASS, json("{\"features\":[1,2],\"label\":1e12}"), DeadLetterReason.INVALID_LABEL),
                bad(JSON_BIN, json("{\"features\":[1,2],\"label\":0.5}"), DeadLetterReason.INVALID_LABEL),
                bad(JSON_BIN, json("{\"features\":[1,2],\"label\":-1}"), DeadLetterReason.INVALID_LABEL),
                bad(BIN_CLASS, SampleEncoder.binary(new float[2], 3), DeadLetterReason.INVALID_LABEL),
                bad(BIN_CLASS, SampleEncoder.binary(new float[2], -1), DeadLetterReason.INVALID_LABEL),
                bad(BIN_BIN, SampleEncoder.binary(new float[2], new float[] {2}), DeadLetterReason.INVALID_LABEL));
    }

    @ParameterizedTest(name = "[{index}] {0} {2}")
    @MethodSource("badRecords")
    void rejectsWithTheRightReasonAndKeepsTheOriginalBytes(SampleSchema schema, byte[] value, DeadLetterReason reason) {
        byte[] copy = value.clone();
        DecodedRecord r = new SampleDecoder(schema).decode(value, "samples", 2, 1234L, 1_700_000_000_000L);

        assertFalse(r.valid(), () -> "accepted " + r);
        DeadLetter d = r.deadLetter;
        assertEquals(reason, d.reason, d.message);
        assertArrayEquals(copy, d.originalValue, "the original bytes must be kept exactly");
        assertEquals("samples", d.topic);
        assertEquals(2, d.partition);
        assertEquals(1234L, d.offset);
        assertEquals(1_700_000_000_000L, d.timestamp);
        assertNotNull(d.message);
        assertFalse(d.message.isBlank());
    }

    @Test
    void aTombstoneIsEmptyAndStaysNull() {
        DecodedRecord r = new SampleDecoder(JSON_REG).decode(null, "samples", 0, 0, -1);
        assertEquals(DeadLetterReason.EMPTY, r.deadLetter.reason);
        assertNull(r.deadLetter.originalValue);
    }

    @Test
    void messagesSayWhatWasWrong() {
        DecodedRecord r = new SampleDecoder(JSON_REG).decode(json("{\"features\":[1,2,3],\"label\":1}"), "t", 0, 0, 0);
        assertEquals("expected 2 features, got 3", r.deadLetter.message);
        r = new SampleDecoder(BIN_CLASS).decode(SampleEncoder.binary(new float[2], 7), "t", 0, 0, 0);
        assertEquals("class index must be in 0..2, got 7", r.deadLetter.message);
        r = new SampleDecoder(JSON_REG).decode(json("{\"features\":[1,NaN],\"label\":1}"), "t", 0, 0, 0);
        assertEquals("features[1] is NaN", r.deadLetter.message);
        r = new SampleDecoder(JSON_REG).decode(json("{\"features\":[1,2],\"label\""), "t", 0, 0, 0);
        assertTrue(r.deadLetter.message.contains("at byte"), r.deadLetter.message);
    }

    private static Arguments bad(SampleSchema schema, byte[] value, DeadLetterReason reason) {
        return Arguments.of(schema, value, reason);
    }

    private static byte[] json(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
