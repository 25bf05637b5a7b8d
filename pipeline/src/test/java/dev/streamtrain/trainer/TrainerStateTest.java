package dev.streamtrain.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrainerStateTest {

    private static TrainerState adamState() {
        float nanWithPayload = Float.intBitsToFloat(0x7fc00123);
        return new TrainerState(
                ModelSpec.Optimizer.ADAM,
                42,
                List.of(
                        TrainerState.ParameterState.withMoments(
                                "0.weight",
                                new long[] {2, 3},
                                new float[] {1f, -2f, 3.5f, -0f, nanWithPayload, 1e-30f},
                                new float[] {.1f, .2f, .3f, .4f, .5f, .6f},
                                new float[] {1f, 2f, 3f, 4f, 5f, 6f}),
                        TrainerState.ParameterState.withMoments(
                                "0.bias", new long[] {2}, new float[] {7f, 8f}, new float[] {0f, 0f}, new float[] {
                                    9f, 10f
                                })));
    }

    @Test
    void roundTripsThroughBytesBitForBit() {
        TrainerState state = adamState();

        TrainerState copy = TrainerState.fromBytes(state.toBytes());

        assertEquals(state, copy);
        assertEquals(state.hashCode(), copy.hashCode());
        assertEquals(42, copy.steps());
        assertEquals(List.of("0.weight", "0.bias"), copy.parameterNames());
        assertArrayEquals(new long[] {2, 3}, copy.parameters().get(0).shape());
        // Raw bits survive, including the NaN payload and the sign of zero.
        float[] values = copy.parameters().get(0).values();
        assertEquals(0x7fc00123, Float.floatToRawIntBits(values[4]));
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(values[3]));
    }

    @Test
    void sgdStateCarriesNoMoments() {
        TrainerState sgd = new TrainerState(
                ModelSpec.Optimizer.SGD,
                3,
                List.of(TrainerState.ParameterState.of("0.bias", new long[] {1}, new float[] {2f})));

        TrainerState copy = TrainerState.fromBytes(sgd.toBytes());

        assertEquals(sgd, copy);
        assertEquals(false, copy.parameters().get(0).hasMoments());
        assertThrows(IllegalStateException.class, () -> copy.parameters().get(0).firstMoment());
    }

    @Test
    void formatStartsWithMagicAndVersionLittleEndian() {
        byte[] bytes = adamState().toBytes();
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);

        assertEquals("STTS", new String(bytes, 0, 4, StandardCharsets.US_ASCII));
        assertEquals(1, in.getInt(4));
        assertEquals(1, in.getInt(8)); // ADAM
        assertEquals(42L, in.getLong(12));
        assertEquals(2, in.getInt(20));
    }

    @Test
    void rejectsForeignCorruptTruncatedAndNewerBytes() {
        byte[] good = adamState().toBytes();

        assertRejected(new byte[] {1, 2, 3}, "magic");
        byte[] flipped = good.clone();
        flipped[40] ^= 0x10;
        assertRejected(flipped, "CRC");
        assertRejected(Arrays.copyOf(good, good.length - 7), "CRC");
        byte[] newer = good.clone();
        newer[4] = 2;
        assertRejected(newer, "version 2");
    }

    @Test
    void equalityIsByContent() {
        TrainerState a = adamState();
        TrainerState b = adamState();
        TrainerState other = new TrainerState(ModelSpec.Optimizer.ADAM, 43, a.parameters());

        assertEquals(a, b);
        assertNotEquals(a, other);
    }

    @Test
    void rejectsInconsistentContent() {
        assertThrows(
                IllegalArgumentException.class,
                () -> TrainerState.ParameterState.of("w", new long[] {2, 2}, new float[3]));
        assertThrows(
                IllegalArgumentException.class,
                () -> new TrainerState(
                        ModelSpec.Optimizer.ADAM,
                        0,
                        List.of(TrainerState.ParameterState.of("w", new long[] {1}, new float[1]))));
    }

    private static void assertRejected(byte[] bytes, String reason) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TrainerState.fromBytes(bytes));
        assertTrue(e.getMessage().contains(reason), e.getMessage());
    }
}
