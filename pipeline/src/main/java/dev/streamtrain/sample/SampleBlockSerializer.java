package dev.streamtrain.sample;

import java.io.IOException;
import java.lang.reflect.Type;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Objects;
import org.apache.flink.api.common.typeinfo.TypeInfoFactory;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Serializes a {@link SampleBlock} for the network edge to the trainer (when
 * {@code kafka.source-parallelism} > 1): the numeric columns go as one bulk byte array, topics only
 * where they change (a block is usually one partition). {@link #copy} passes the instance on, since
 * an emitted block is never changed. Never part of any state: the trainer's pending batch is saved
 * in its own format.
 */
public final class SampleBlockSerializer extends TypeSerializerSingleton<SampleBlock> {
    private static final long serialVersionUID = 1L;
    public static final SampleBlockSerializer INSTANCE = new SampleBlockSerializer();

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public SampleBlock createInstance() {
        return new SampleBlock(0, 0, 0);
    }

    @Override
    public SampleBlock copy(SampleBlock from) {
        return from;
    }

    @Override
    public SampleBlock copy(SampleBlock from, SampleBlock reuse) {
        return from;
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(SampleBlock block, DataOutputView out) throws IOException {
        int rows = block.rows();
        int fd = block.featureDim();
        int lw = block.labelWidth();
        out.writeInt(fd);
        out.writeInt(lw);
        out.writeInt(rows);
        ByteBuffer numbers = ByteBuffer.allocate(numericBytes(rows, fd, lw));
        numbers.asFloatBuffer().put(block.features(), 0, rows * fd);
        numbers.position(numbers.position() + Float.BYTES * rows * fd);
        numbers.asFloatBuffer().put(block.labels(), 0, rows * lw);
        numbers.position(numbers.position() + Float.BYTES * rows * lw);
        numbers.asLongBuffer().put(block.eventTimes(), 0, rows);
        numbers.position(numbers.position() + Long.BYTES * rows);
        numbers.asLongBuffer().put(block.offsets(), 0, rows);
        numbers.position(numbers.position() + Long.BYTES * rows);
        numbers.asIntBuffer().put(block.partitions(), 0, rows);
        out.write(numbers.array());
        // topics run-length encoded: (run length, topic) pairs
        String[] topics = block.topics();
        int start = 0;
        for (int i = 1; i <= rows; i++) {
            if (i == rows || !Objects.equals(topics[i], topics[start])) {
                out.writeInt(i - start);
                DecodedRowSerializer.writeNullableString(topics[start], out);
                start = i;
            }
        }
    }

    @Override
    public SampleBlock deserialize(DataInputView in) throws IOException {
        int fd = in.readInt();
        int lw = in.readInt();
        int rows = in.readInt();
        byte[] bytes = new byte[numericBytes(rows, fd, lw)];
        in.readFully(bytes);
        ByteBuffer numbers = ByteBuffer.wrap(bytes);
        float[] features = new float[rows * fd];
        float[] labels = new float[rows * lw];
        long[] eventTimes = new long[rows];
        long[] offsets = new long[rows];
        int[] partitions = new int[rows];
        numbers.asFloatBuffer().get(features);
        numbers.position(numbers.position() + Float.BYTES * features.length);
        numbers.asFloatBuffer().get(labels);
        numbers.position(numbers.position() + Float.BYTES * labels.length);
        numbers.asLongBuffer().get(eventTimes);
        numbers.position(numbers.position() + Long.BYTES * rows);
        numbers.asLongBuffer().get(offsets);
        numbers.position(numbers.position() + Long.BYTES * rows);
        numbers.asIntBuffer().get(partitions);
        String[] topics = new String[rows];
        for (int filled = 0; filled < rows; ) {
            int run = in.readInt();
            String topic = DecodedRowSerializer.readNullableString(in);
            for (int i = 0; i < run; i++) {
                topics[filled++] = topic;
            }
        }
        return new SampleBlock(fd, lw, rows, features, labels, eventTimes, topics, partitions, offsets);
    }

    private static int numericBytes(int rows, int featureDim, int labelWidth) {
        return rows * (Float.BYTES * (featureDim + labelWidth) + 2 * Long.BYTES + Integer.BYTES);
    }

    @Override
    public SampleBlock deserialize(SampleBlock reuse, DataInputView in) throws IOException {
        return deserialize(in);
    }

    @Override
    public void copy(DataInputView in, DataOutputView out) throws IOException {
        serialize(deserialize(in), out);
    }

    @Override
    public TypeSerializerSnapshot<SampleBlock> snapshotConfiguration() {
        return new Snapshot();
    }

    /** Restores the serializer by name; Flink requires a public no-argument constructor. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<SampleBlock> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }

    /** Lets {@code TypeInformation.of(SampleBlock.class)} find this serializer. */
    public static final class Factory extends TypeInfoFactory<SampleBlock> {
        @Override
        public TypeInformation<SampleBlock> createTypeInfo(Type t, Map<String, TypeInformation<?>> genericParameters) {
            return new SerializerTypeInfo<>(SampleBlock.class, INSTANCE);
        }
    }
}
