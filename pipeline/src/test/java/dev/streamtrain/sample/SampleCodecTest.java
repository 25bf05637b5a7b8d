package dev.streamtrain.sample;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class SampleCodecTest {

    private static final float[] FEATURES = {0.1f, -2.5f, 3.4028235e38f, Float.MIN_VALUE, -0f, 1e-7f};

    private static SampleSchema schema(SampleFormat format, LabelKind kind, int labelDimOrClasses) {
        SampleSchema.Builder b = SampleSchema.builder()
                .format(format)
                .featureDim(FEATURES.length)
                .labelKind(kind);
        return (kind == LabelKind.CLASS ? b.numClasses(labelDimOrClasses) : b.labelDim(labelDimOrClasses)).build();
    }

    private static DecodedRecord roundTrip(SampleSchema schema, Sample s, long recordTimestamp) {
        byte[] bytes = new SampleEncoder(schema).encode(s);
        return new SampleDecoder(schema).decode(bytes, "samples", 3, 42L, recordTimestamp);
    }

    @ParameterizedTest
    @EnumSource(SampleFormat.class)
    void regressionRoundTripsBitExactly(SampleFormat format) {
        SampleSchema schema = schema(format, LabelKind.REGRESSION, 2);
        Sample in = new Sample(FEATURES.clone(), new float[] {0.3f, -1e30f}, 1_700_000_000_123L);
        DecodedRecord out = roundTrip(schema, in, 1_700_000_000_999L);

        assertNull(out.deadLetter);
        assertArrayEquals(FEATURES, out.sample.features);
        assertArrayEquals(in.label, out.sample.label);
        assertEquals("samples", out.sample.topic);
        assertEquals(3, out.sample.partition);
        assertEquals(42L, out.sample.offset);
        // JSON carries its own event time; BINARY has none and takes the record timestamp
        assertEquals(format == SampleFormat.JSON ? 1_700_000_000_123L : 1_700_000_000_999L, out.sample.eventTimeMillis);
    }

    @ParameterizedTest
    @EnumSource(SampleFormat.class)
    void binaryLabelsRoundTrip(SampleFormat format) {
        SampleSchema schema = schema(format, LabelKind.BINARY, 3);
        DecodedRecord out = roundTrip(schema, new Sample(FEATURES.clone(), new float[] {1, 0, 1}, 5), 5);
        assertArrayEquals(new float[] {1, 0, 1}, out.sample.label);
    }

    @ParameterizedTest
    @EnumSource(SampleFormat.class)
    void classIndexRoundTripsAsAFloat(SampleFormat format) {
        SampleSchema schema = schema(format, LabelKind.CLASS, 10);
        DecodedRecord out = roundTrip(schema, new Sample(FEATURES.clone(), new float[] {9}, 5), 5);
        assertArrayEquals(new float[] {9f}, out.sample.label);
    }

    @Test
    void jsonRoundTripsArbitraryFloatBitPatternsExactly() {
        // guards the fast number parser: every finite float must come back bit for bit
        int dim = 1000;
        SampleSchema schema =
                SampleSchema.builder().format(SampleFormat.JSON).featureDim(dim).build();
        SampleDecoder decoder = new SampleDecoder(schema);
        Random random = new Random(1);
        for (int round = 0; round < 20; round++) {
            float[] features = new float[dim];
            for (int i = 0; i < dim; i++) {
                float f;
                do {
                    f = Float.intBitsToFloat(random.nextInt());
                } while (!Float.isFinite(f));
                features[i] = f;
            }
            Sample in = new Sample(features, new float[] {features[0]}, 0);
            Sample out = decoder.decode(new SampleEncoder(schema).encode(in), "t", 0, 0, 0).sample;
            for (int i = 0; i < dim; i++) {
                assertEquals(
                        Float.floatToRawIntBits(features[i]),
                        Float.floatToRawIntBits(out.features[i]),
                        "features[" + i + "] = " + features[i]);
            }
            assertEquals(Float.floatToRawIntBits(features[0]), Float.floatToRawIntBits(out.label[0]));
        }
    }

    @Test
    void binaryLayoutIsLittleEndianFeaturesThenLabel() {
        byte[] b = SampleEncoder.binary(new float[] {1f}, 7);
        // 1.0f = 0x3F800000, little-endian; then int32 7
        assertArrayEquals(new byte[] {0, 0, (byte) 0x80, 0x3F, 7, 0, 0, 0}, b);
    }

    @Test
    void jsonAcceptsScalarOrArrayLabelIgnoresUnknownFieldsAndFallsBackToRecordTime() {
        SampleSchema schema =
                SampleSchema.builder().format(SampleFormat.JSON).featureDim(2).build();
        SampleDecoder d = new SampleDecoder(schema);
        String[] variants = {
            "{\"features\":[1,2],\"label\":0.5}",
            "{\"label\":[0.5],\"id\":\"x\",\"meta\":{\"a\":[1,{}]},\"features\":[1.0,2e0],\"eventTime\":null}",
            " \n{\"features\":[1,2],\"label\":5e-1} ",
        };
        for (String v : variants) {
            DecodedRecord r = d.decode(v.getBytes(StandardCharsets.UTF_8), "t", 0, 0, 77L);
            assertTrue(r.valid(), () -> v + " -> " + r);
            assertArrayEquals(new float[] {1, 2}, r.sample.features);
            assertArrayEquals(new float[] {0.5f}, r.sample.label);
            assertEquals(77L, r.sample.eventTimeMillis);
        }
    }

    @Test
    void encoderRefusesSamplesThatDoNotFitTheSchema() {
        SampleEncoder e = new SampleEncoder(schema(SampleFormat.BINARY, LabelKind.CLASS, 4));
        assertThrows(IllegalArgumentException.class, () -> e.encode(new Sample(new float[2], new float[] {1}, 0)));
        assertThrows(IllegalArgumentException.class, () -> e.encode(new Sample(FEATURES.clone(), new float[2], 0)));
        assertThrows(
                IllegalArgumentException.class, () -> e.encode(new Sample(FEATURES.clone(), new float[] {1.5f}, 0)));
    }
}
