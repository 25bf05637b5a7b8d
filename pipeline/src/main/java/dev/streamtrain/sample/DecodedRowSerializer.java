package dev.streamtrain.sample;

import java.io.IOException;
import java.lang.reflect.Type;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInfoFactory;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Serializes a {@link DecodedRow} where the source and {@link SampleBatcher} do not chain (they
 * normally do: same parallelism, forward edge). {@link #copy} passes the instance on: see {@link
 * DecodedRow} for why that is safe, and it is what keeps Flink's chained hand-over free of a
 * per-record copy. Never part of any state.
 */
public final class DecodedRowSerializer extends TypeSerializerSingleton<DecodedRow> {
    private static final long serialVersionUID = 1L;
    public static final DecodedRowSerializer INSTANCE = new DecodedRowSerializer();

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public DecodedRow createInstance() {
        return new DecodedRow(0, 0);
    }

    @Override
    public DecodedRow copy(DecodedRow from) {
        return from;
    }

    @Override
    public DecodedRow copy(DecodedRow from, DecodedRow reuse) {
        return from;
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(DecodedRow row, DataOutputView out) throws IOException {
        out.writeInt(row.features.length);
        out.writeInt(row.label.length);
        out.writeLong(row.eventTimeMillis);
        writeNullableString(row.topic, out);
        out.writeInt(row.partition);
        out.writeLong(row.offset);
        out.writeBoolean(row.deadLetter == null);
        if (row.deadLetter == null) {
            for (float f : row.features) {
                out.writeFloat(f);
            }
            for (float f : row.label) {
                out.writeFloat(f);
            }
        } else {
            DeadLetter d = row.deadLetter;
            out.writeBoolean(d.originalValue != null);
            if (d.originalValue != null) {
                out.writeInt(d.originalValue.length);
                out.write(d.originalValue);
            }
            out.writeLong(d.timestamp);
            out.writeUTF(d.reason.name());
            writeNullableString(d.message, out);
        }
    }

    @Override
    public DecodedRow deserialize(DataInputView in) throws IOException {
        DecodedRow row = new DecodedRow(in.readInt(), in.readInt());
        row.eventTimeMillis = in.readLong();
        row.topic = readNullableString(in);
        row.partition = in.readInt();
        row.offset = in.readLong();
        if (in.readBoolean()) {
            for (int i = 0; i < row.features.length; i++) {
                row.features[i] = in.readFloat();
            }
            for (int i = 0; i < row.label.length; i++) {
                row.label[i] = in.readFloat();
            }
        } else {
            byte[] value = null;
            if (in.readBoolean()) {
                value = new byte[in.readInt()];
                in.readFully(value);
            }
            long timestamp = in.readLong();
            DeadLetterReason reason = DeadLetterReason.valueOf(in.readUTF());
            row.deadLetter = new DeadLetter(
                    value, row.topic, row.partition, row.offset, timestamp, reason, readNullableString(in));
        }
        return row;
    }

    @Override
    public DecodedRow deserialize(DecodedRow reuse, DataInputView in) throws IOException {
        return deserialize(in);
    }

    @Override
    public void copy(DataInputView in, DataOutputView out) throws IOException {
        serialize(deserialize(in), out);
    }

    @Override
    public TypeSerializerSnapshot<DecodedRow> snapshotConfiguration() {
        return new Snapshot();
    }

    static void writeNullableString(String s, DataOutputView out) throws IOException {
        out.writeBoolean(s != null);
        if (s != null) {
            out.writeUTF(s);
        }
    }

    static String readNullableString(DataInputView in) throws IOException {
        return in.readBoolean() ? in.readUTF() : null;
    }

    /** Restores the serializer by name; Flink requires a public no-argument constructor. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<DecodedRow> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }

    /** Lets {@code TypeInformation.of(DecodedRow.class)} find this serializer. */
    public static final class Factory extends TypeInfoFactory<DecodedRow> {
        @Override
        public TypeInformation<DecodedRow> createTypeInfo(Type t, Map<String, TypeInformation<?>> genericParameters) {
            return new SerializerTypeInfo<>(DecodedRow.class, INSTANCE);
        }
    }
}
