package dev.streamtrain.trainer;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;

/**
 * The binary layout of {@link TrainerState}. It is stored in Flink checkpoints and savepoints,
 * so a build must keep reading every version it ever wrote: change the layout only by adding a
 * new version number and a reader for it.
 *
 * <p>Version 1, all little-endian:
 *
 * <pre>
 * bytes  0..3   magic "STTS" (streamtrain trainer state)
 * int32         format version = 1
 * int32         optimizer code: 1 = ADAM, 2 = SGD
 * int64         optimizer steps taken
 * int32         parameter count
 * per parameter, in torch state_dict order:
 *   int32       name length in bytes, then the UTF-8 name
 *   int32       rank, then rank x int64 dimensions
 *   float32[n]  values, n = product of the dimensions (IEEE 754 bits, NaN payloads kept)
 *   ADAM only:  float32[n] first moment, float32[n] second moment
 * int32         CRC-32 of every byte before it
 * </pre>
 *
 * Optimizer codes are written explicitly rather than as enum ordinals so that reordering the
 * enum cannot silently change the meaning of stored state.
 */
final class TrainerStateFormat {

    static final int VERSION = 1;
    private static final byte[] MAGIC = {'S', 'T', 'T', 'S'};
    private static final int CODE_ADAM = 1;
    private static final int CODE_SGD = 2;
    private static final int MAX_NAME_BYTES = 1 << 12;
    private static final int MAX_RANK = 8;

    private TrainerStateFormat() {}

    static byte[] write(TrainerState state) {
        List<byte[]> names = new ArrayList<>();
        long size = MAGIC.length + 4 + 4 + 8 + 4;
        int momentArrays = state.optimizer() == ModelSpec.Optimizer.ADAM ? 2 : 0;
        for (TrainerState.ParameterState p : state.parameters()) {
            byte[] name = p.name().getBytes(StandardCharsets.UTF_8);
            names.add(name);
            size += 4 + name.length + 4 + 8L * p.shapeRef().length;
            size += (long) Float.BYTES * p.size() * (1 + momentArrays);
        }
        size += 4;
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("TrainerState of " + size + " bytes does not fit one byte[]; the model is"
                    + " too large for this state format");
        }

        ByteBuffer out = ByteBuffer.allocate((int) size).order(ByteOrder.LITTLE_ENDIAN);
        out.put(MAGIC);
        out.putInt(VERSION);
        out.putInt(optimizerCode(state.optimizer()));
        out.putLong(state.steps());
        out.putInt(state.parameters().size());
        for (int i = 0; i < state.parameters().size(); i++) {
            TrainerState.ParameterState p = state.parameters().get(i);
            out.putInt(names.get(i).length);
            out.put(names.get(i));
            out.putInt(p.shapeRef().length);
            for (long dim : p.shapeRef()) {
                out.putLong(dim);
            }
            putFloats(out, p.valuesRef());
            if (p.hasMoments()) {
                putFloats(out, p.firstMomentRef());
                putFloats(out, p.secondMomentRef());
            }
        }
        out.putInt((int) crc(out.array(), out.position()));
        return out.array();
    }

    static TrainerState read(byte[] bytes) {
        if (bytes == null
                || bytes.length < MAGIC.length + 8
                || bytes[0] != MAGIC[0]
                || bytes[1] != MAGIC[1]
                || bytes[2] != MAGIC[2]
                || bytes[3] != MAGIC[3]) {
            throw new IllegalArgumentException("not a streamtrain TrainerState (missing the STTS magic bytes)");
        }
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        in.position(MAGIC.length);
        int version = in.getInt();
        if (version != VERSION) {
            throw new IllegalArgumentException(
                    "TrainerState format version " + version + " is not readable by this build,"
                            + " which reads version " + VERSION
                            + (version > VERSION ? " (state written by a newer build)" : ""));
        }
        int storedCrc = ByteBuffer.wrap(bytes, bytes.length - 4, 4)
                .order(ByteOrder.LITTLE_ENDIAN)
                .getInt();
        if (storedCrc != (int) crc(bytes, bytes.length - 4)) {
            throw new IllegalArgumentException(
                    "TrainerState is corrupted or truncated (CRC-32 mismatch over " + bytes.length + " bytes)");
        }
        // Only the bytes before the checksum are payload.
        in.limit(bytes.length - 4);
        try {
            return readVersion1(in);
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("TrainerState is truncated", e);
        }
    }

    private static TrainerState readVersion1(ByteBuffer in) {
        ModelSpec.Optimizer optimizer = optimizerOf(in.getInt());
        long steps = in.getLong();
        int count = in.getInt();
        checkRange(count, 0, Integer.MAX_VALUE, "parameter count");
        List<TrainerState.ParameterState> params = new ArrayList<>(Math.min(count, 1024));
        for (int i = 0; i < count; i++) {
            int nameLength = in.getInt();
            checkRange(nameLength, 1, MAX_NAME_BYTES, "parameter name length");
            byte[] name = new byte[nameLength];
            in.get(name);
            int rank = in.getInt();
            checkRange(rank, 0, MAX_RANK, "parameter rank");
            long[] shape = new long[rank];
            long n = 1;
            for (int d = 0; d < rank; d++) {
                shape[d] = in.getLong();
                if (shape[d] < 0 || (shape[d] > 0 && n > Integer.MAX_VALUE / shape[d])) {
                    throw new IllegalArgumentException("TrainerState has an invalid dimension " + shape[d]);
                }
                n *= shape[d];
            }
            // Check before allocating so a damaged length cannot trigger a huge allocation.
            int arrays = optimizer == ModelSpec.Optimizer.ADAM ? 3 : 1;
            if (n * Float.BYTES * arrays > in.remaining()) {
                throw new IllegalArgumentException("TrainerState is truncated");
            }
            float[] values = getFloats(in, (int) n);
            float[] first = null;
            float[] second = null;
            if (optimizer == ModelSpec.Optimizer.ADAM) {
                first = getFloats(in, (int) n);
                second = getFloats(in, (int) n);
            }
            params.add(new TrainerState.ParameterState(
                    new String(name, StandardCharsets.UTF_8), shape, values, first, second));
        }
        if (in.hasRemaining()) {
            throw new IllegalArgumentException("TrainerState has " + in.remaining() + " unexpected trailing bytes");
        }
        return new TrainerState(optimizer, steps, params);
    }

    private static int optimizerCode(ModelSpec.Optimizer optimizer) {
        switch (optimizer) {
            case ADAM:
                return CODE_ADAM;
            case SGD:
                return CODE_SGD;
            default:
                throw new IllegalStateException("no format code for optimizer " + optimizer);
        }
    }

    private static ModelSpec.Optimizer optimizerOf(int code) {
        switch (code) {
            case CODE_ADAM:
                return ModelSpec.Optimizer.ADAM;
            case CODE_SGD:
                return ModelSpec.Optimizer.SGD;
            default:
                throw new IllegalArgumentException("TrainerState names an unknown optimizer code " + code);
        }
    }

    private static void putFloats(ByteBuffer out, float[] values) {
        // A little-endian float view writes the raw IEEE bits, which keeps NaN payloads.
        out.asFloatBuffer().put(values);
        out.position(out.position() + values.length * Float.BYTES);
    }

    private static float[] getFloats(ByteBuffer in, int n) {
        float[] values = new float[n];
        in.asFloatBuffer().get(values);
        in.position(in.position() + n * Float.BYTES);
        return values;
    }

    private static long crc(byte[] bytes, int length) {
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, length);
        return crc.getValue();
    }

    private static void checkRange(int value, int min, int max, String what) {
        if (value < min || value > max) {
            throw new IllegalArgumentException("TrainerState has an invalid " + what + ": " + value);
        }
    }
}
