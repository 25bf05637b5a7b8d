package dev.streamtrain.operator;

import dev.streamtrain.sample.Sample;
import dev.streamtrain.sample.SampleBlock;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Objects;

/**
 * The mini-batch being filled. Batches are formed by sample count only — never by time or by
 * checkpoint — so the trained weights do not depend on when checkpoints happen. A partial batch is
 * part of the operator state, with each row's source (topic, partition, offset, event time) so
 * that epoch-windows can report the offsets they trained on.
 */
final class BatchBuffer {
    private static final int FORMAT = 1;

    private final int inputDim;
    private final int labelWidth;
    private final int capacity;
    private final float[] features;
    private final float[] labels;
    private final String[] topics;
    private final int[] partitions;
    private final long[] offsets;
    private final long[] eventTimes;
    private int rows;

    BatchBuffer(int capacity, int inputDim, int labelWidth) {
        this.capacity = capacity;
        this.inputDim = inputDim;
        this.labelWidth = labelWidth;
        this.features = new float[capacity * inputDim];
        this.labels = new float[capacity * labelWidth];
        this.topics = new String[capacity];
        this.partitions = new int[capacity];
        this.offsets = new long[capacity];
        this.eventTimes = new long[capacity];
    }

    /** Adds one sample; returns true when the batch is full. */
    boolean add(Sample s) {
        if (s.features.length != inputDim || s.label.length != labelWidth) {
            throw new IllegalArgumentException("sample has " + s.features.length + " features and " + s.label.length
                    + " label values; the model expects " + inputDim + " and " + labelWidth);
        }
        System.arraycopy(s.features, 0, features, rows * inputDim, inputDim);
        System.arraycopy(s.label, 0, labels, rows * labelWidth, labelWidth);
        topics[rows] = s.topic;
        partitions[rows] = s.partition;
        offsets[rows] = s.topic == null ? -1 : s.offset;
        eventTimes[rows] = s.eventTimeMillis;
        rows++;
        return rows == capacity;
    }

    float[] features() {
        return features;
    }

    float[] labels() {
        return labels;
    }

    int rows() {
        return rows;
    }

    /**
     * Copies rows of {@code block} from {@code from} on, as many as fit; returns how many were taken
     * (the batch is full when {@link #rows()} reaches the capacity).
     */
    int addRows(SampleBlock block, int from) {
        return addRows(block, from, block.rows());
    }

    /** As {@link #addRows(SampleBlock, int)}, taking rows before {@code to} only (holdout rows are skipped). */
    int addRows(SampleBlock block, int from, int to) {
        if (block.featureDim() != inputDim || block.labelWidth() != labelWidth) {
            throw new IllegalArgumentException("block rows have " + block.featureDim() + " features and "
                    + block.labelWidth() + " label values; the model expects " + inputDim + " and " + labelWidth);
        }
        int n = Math.min(capacity - rows, to - from);
        System.arraycopy(block.features(), from * inputDim, features, rows * inputDim, n * inputDim);
        System.arraycopy(block.labels(), from * labelWidth, labels, rows * labelWidth, n * labelWidth);
        System.arraycopy(block.topics(), from, topics, rows, n);
        System.arraycopy(block.partitions(), from, partitions, rows, n);
        System.arraycopy(block.eventTimes(), from, eventTimes, rows, n);
        for (int i = 0; i < n; i++) {
            offsets[rows + i] = topics[rows + i] == null ? -1 : block.offsets()[from + i];
        }
        rows += n;
        return n;
    }

    int inputDim() {
        return inputDim;
    }

    int labelWidth() {
        return labelWidth;
    }

    String topic(int row) {
        return topics[row];
    }

    int partition(int row) {
        return partitions[row];
    }

    /** The row's Kafka offset; -1 when it did not come from Kafka. */
    long offset(int row) {
        return offsets[row];
    }

    long eventTime(int row) {
        return eventTimes[row];
    }

    /** An independent copy of the rows (the divergence guard holds suspect batches). */
    BatchBuffer copy() {
        BatchBuffer c = new BatchBuffer(capacity, inputDim, labelWidth);
        System.arraycopy(features, 0, c.features, 0, rows * inputDim);
        System.arraycopy(labels, 0, c.labels, 0, rows * labelWidth);
        System.arraycopy(topics, 0, c.topics, 0, rows);
        System.arraycopy(partitions, 0, c.partitions, 0, rows);
        System.arraycopy(offsets, 0, c.offsets, 0, rows);
        System.arraycopy(eventTimes, 0, c.eventTimes, 0, rows);
        c.rows = rows;
        return c;
    }

    boolean isFull() {
        return rows == capacity;
    }

    int capacity() {
        return capacity;
    }

    /** Adds the rows' sources to the window's offset and event-time ranges. */
    void recordSourcesIn(EpochWindow window) {
        recordSources(window, topics, partitions, offsets, eventTimes, 0, rows);
    }

    /**
     * Adds the sources of rows [from, to) to the window's offset and event-time ranges: one map
     * update per run of rows from the same partition (usually the whole batch), not one per sample.
     */
    static void recordSources(
            EpochWindow window,
            String[] topics,
            int[] partitions,
            long[] offsets,
            long[] eventTimes,
            int from,
            int to) {
        int start = from;
        for (int i = from + 1; i <= to; i++) {
            if (i == to || partitions[i] != partitions[start] || !Objects.equals(topics[i], topics[start])) {
                long first = Long.MAX_VALUE;
                long last = Long.MIN_VALUE;
                long minTime = Long.MAX_VALUE;
                long maxTime = Long.MIN_VALUE;
                for (int r = start; r < i; r++) {
                    long offset = topics[r] == null ? -1 : offsets[r];
                    first = Math.min(first, offset);
                    last = Math.max(last, offset);
                    minTime = Math.min(minTime, eventTimes[r]);
                    maxTime = Math.max(maxTime, eventTimes[r]);
                }
                window.addTrained(topics[start], partitions[start], first, last, minTime, maxTime);
                start = i;
            }
        }
    }

    void clear() {
        rows = 0;
    }

    byte[] toBytes() {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(16 + rows * (4 * (inputDim + labelWidth) + 32));
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeInt(FORMAT);
            out.writeInt(rows);
            out.writeInt(inputDim);
            out.writeInt(labelWidth);
            for (int i = 0; i < rows * inputDim; i++) {
                out.writeFloat(features[i]);
            }
            for (int i = 0; i < rows * labelWidth; i++) {
                out.writeFloat(labels[i]);
            }
            for (int i = 0; i < rows; i++) {
                out.writeBoolean(topics[i] != null);
                if (topics[i] != null) {
                    out.writeUTF(topics[i]);
                }
                out.writeInt(partitions[i]);
                out.writeLong(offsets[i]);
                out.writeLong(eventTimes[i]);
            }
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void restore(byte[] bytes) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            int format = in.readInt();
            int n = in.readInt();
            int dim = in.readInt();
            int width = in.readInt();
            if (format != FORMAT || n > capacity || dim != inputDim || width != labelWidth) {
                throw new IllegalStateException("the saved partial batch (" + n + " rows of " + dim + " features, "
                        + width + " label values) does not fit this model (batch size " + capacity + ", " + inputDim
                        + " features, " + labelWidth
                        + " label values): was the model configuration changed before restoring?");
            }
            for (int i = 0; i < n * inputDim; i++) {
                features[i] = in.readFloat();
            }
            for (int i = 0; i < n * labelWidth; i++) {
                labels[i] = in.readFloat();
            }
            for (int i = 0; i < n; i++) {
                topics[i] = in.readBoolean() ? in.readUTF() : null;
                partitions[i] = in.readInt();
                offsets[i] = in.readLong();
                eventTimes[i] = in.readLong();
            }
            rows = n;
        } catch (IOException e) {
            throw new UncheckedIOException("unreadable partial batch in the restored state", e);
        }
    }
}
