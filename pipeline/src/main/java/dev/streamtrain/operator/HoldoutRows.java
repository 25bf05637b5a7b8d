package dev.streamtrain.operator;

import dev.streamtrain.sample.SampleBlock;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;

/**
 * The open epoch-window's holdout rows, kept to be scored when it closes: the first {@code maxRows}
 * in stream order (later ones are dropped, so the state stays bounded). Operator state ({@link
 * TrainerOperatorState#HOLDOUT_STATE}), so a restored run scores exactly the rows a run without a
 * failure would.
 */
final class HoldoutRows {
    private static final int FORMAT = 1;

    private final int maxRows;
    private final int inputDim;
    private final int labelWidth;
    private float[] features = new float[0];
    private float[] labels = new float[0];
    private int[] partitions = new int[0];
    private long[] offsets = new long[0];
    private int rows;

    HoldoutRows(int maxRows, int inputDim, int labelWidth) {
        this.maxRows = maxRows;
        this.inputDim = inputDim;
        this.labelWidth = labelWidth;
    }

    /** Keeps row {@code r} of {@code block} while there is room; returns whether it was kept. */
    boolean add(SampleBlock block, int r) {
        if (rows >= maxRows) {
            return false;
        }
        ensureRoom(rows + 1);
        System.arraycopy(block.features(), r * inputDim, features, rows * inputDim, inputDim);
        System.arraycopy(block.labels(), r * labelWidth, labels, rows * labelWidth, labelWidth);
        partitions[rows] = block.partitions()[r];
        offsets[rows] = block.offsets()[r];
        rows++;
        return true;
    }

    private void ensureRoom(int needed) {
        if (needed <= offsets.length) {
            return;
        }
        int capacity = Math.min(maxRows, Math.max(needed, Math.max(16, offsets.length * 2)));
        features = Arrays.copyOf(features, capacity * inputDim);
        labels = Arrays.copyOf(labels, capacity * labelWidth);
        partitions = Arrays.copyOf(partitions, capacity);
        offsets = Arrays.copyOf(offsets, capacity);
    }

    int rows() {
        return rows;
    }

    /** Row-major, {@code rows() * inputDim} values in use. */
    float[] features() {
        return features;
    }

    /** Row-major, {@code rows() * labelWidth} values in use. */
    float[] labels() {
        return labels;
    }

    long offset(int row) {
        return offsets[row];
    }

    int partition(int row) {
        return partitions[row];
    }

    void clear() {
        rows = 0;
    }

    byte[] toBytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(16 + rows * (12 + 4 * (inputDim + labelWidth)));
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(FORMAT);
            out.writeInt(inputDim);
            out.writeInt(labelWidth);
            out.writeInt(rows);
            for (int i = 0; i < rows * inputDim; i++) {
                out.writeFloat(features[i]);
            }
            for (int i = 0; i < rows * labelWidth; i++) {
                out.writeFloat(labels[i]);
            }
            for (int i = 0; i < rows; i++) {
                out.writeInt(partitions[i]);
                out.writeLong(offsets[i]);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** Replaces the rows with saved ones; rows above this run's maximum are dropped. */
    void restore(byte[] saved) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(saved))) {
            int format = in.readInt();
            if (format != FORMAT) {
                throw new IllegalStateException("holdout rows of format " + format + " cannot be read by this build");
            }
            int savedInputDim = in.readInt();
            int savedLabelWidth = in.readInt();
            if (savedInputDim != inputDim || savedLabelWidth != labelWidth) {
                throw new IllegalStateException("saved holdout rows have " + savedInputDim + " features and "
                        + savedLabelWidth + " label values; the model expects " + inputDim + " and " + labelWidth);
            }
            int savedRows = in.readInt();
            float[] f = new float[savedRows * inputDim];
            float[] l = new float[savedRows * labelWidth];
            for (int i = 0; i < f.length; i++) {
                f[i] = in.readFloat();
            }
            for (int i = 0; i < l.length; i++) {
                l[i] = in.readFloat();
            }
            rows = 0;
            ensureRoom(Math.min(savedRows, maxRows));
            int kept = Math.min(savedRows, maxRows);
            System.arraycopy(f, 0, features, 0, kept * inputDim);
            System.arraycopy(l, 0, labels, 0, kept * labelWidth);
            for (int i = 0; i < savedRows; i++) {
                int p = in.readInt();
                long o = in.readLong();
                if (i < kept) {
                    partitions[i] = p;
                    offsets[i] = o;
                }
            }
            rows = kept;
        } catch (IOException e) {
            throw new UncheckedIOException("unreadable holdout rows state", e);
        }
    }
}
