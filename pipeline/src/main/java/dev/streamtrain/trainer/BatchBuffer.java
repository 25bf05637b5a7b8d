package dev.streamtrain.trainer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The mini-batch being filled. Batches are formed by sample count only — never by time or by
 * checkpoint — so the trained weights do not depend on when checkpoints happen. A partial batch is
 * part of the operator state.
 */
final class BatchBuffer {
    private final int inputDim;
    private final int labelWidth;
    private final int capacity;
    private final float[] features;
    private final float[] labels;
    private int rows;

    BatchBuffer(int capacity, int inputDim, int labelWidth) {
        this.capacity = capacity;
        this.inputDim = inputDim;
        this.labelWidth = labelWidth;
        this.features = new float[capacity * inputDim];
        this.labels = new float[capacity * labelWidth];
    }

    /** Adds one sample; returns true when the batch is full. */
    boolean add(float[] x, float[] y) {
        if (x.length != inputDim || y.length != labelWidth) {
            throw new IllegalArgumentException("sample has " + x.length + " features and " + y.length
                    + " label values; the model expects " + inputDim + " and " + labelWidth);
        }
        System.arraycopy(x, 0, features, rows * inputDim, inputDim);
        System.arraycopy(y, 0, labels, rows * labelWidth, labelWidth);
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

    void clear() {
        rows = 0;
    }

    /** Little-endian: rows, then rows*inputDim feature floats, then rows*labelWidth label floats. */
    byte[] toBytes() {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * rows * (inputDim + labelWidth)).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(rows);
        b.asFloatBuffer().put(features, 0, rows * inputDim);
        b.position(4 + 4 * rows * inputDim);
        b.asFloatBuffer().put(labels, 0, rows * labelWidth);
        return b.array();
    }

    void restore(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int n = b.getInt();
        if (n > capacity || bytes.length != 4 + 4 * n * (inputDim + labelWidth)) {
            throw new IllegalStateException("the saved partial batch (" + n + " rows, " + bytes.length
                    + " bytes) does not fit this model (batch size " + capacity + ", " + inputDim + " features, "
                    + labelWidth + " label values): was the model configuration changed before restoring?");
        }
        b.asFloatBuffer().get(features, 0, n * inputDim);
        b.position(4 + 4 * n * inputDim);
        b.asFloatBuffer().get(labels, 0, n * labelWidth);
        rows = n;
    }
}
