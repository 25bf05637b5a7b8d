package dev.streamtrain.trainer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;

/**
 * Reusable input tensors for one batch: direct buffers and NDArrays sized for {@code
 * batchSize} rows, allocated once per trainer.
 *
 * <p>Why: {@code NDManager.create(float[])} and {@code NDArray.set(float[])} each allocate a
 * fresh direct ByteBuffer in DJL's PyTorch engine, and that memory only returns when the GC
 * collects the buffer object, so allocating per batch grows direct memory without bound
 * between collections. Here each batch is copied into the same direct buffer from Java, then
 * handed to the same NDArray with {@code set(ByteBuffer)}: on the CPU libtorch then reads the
 * buffer in place, on a GPU it is one host-to-device copy.
 *
 * <p>A batch with fewer rows than the capacity uses a view of the first rows; stale rows
 * beyond it are never read.
 */
final class BatchStaging {

    private final int capacityRows;
    private final int featureWidth;
    private final int labelWidth;
    private final int classCount; // > 0: labels are class indices stored as int64

    private final ByteBuffer featureBytes;
    private final FloatBuffer featureView;
    private final ByteBuffer labelBytes;
    private final FloatBuffer labelFloatView;
    private final LongBuffer labelIndexView;
    private final NDArray featureArray;
    private final NDArray labelArray;

    /** The NDArrays belong to {@code manager} and are closed with it. */
    BatchStaging(NDManager manager, ModelSpec spec) {
        capacityRows = spec.batchSize();
        featureWidth = spec.inputDim();
        boolean classLabels = spec.loss() == ModelSpec.Loss.SOFTMAX_CROSS_ENTROPY;
        classCount = classLabels ? spec.outputDim() : 0;
        labelWidth = classLabels ? 1 : spec.outputDim();
        DataType labelType = classLabels ? DataType.INT64 : DataType.FLOAT32;

        featureBytes = directBuffer((long) capacityRows * featureWidth * Float.BYTES);
        featureView = featureBytes.asFloatBuffer();
        featureArray = manager.create(featureBytes, new Shape(capacityRows, featureWidth), DataType.FLOAT32);

        labelBytes = directBuffer((long) capacityRows * labelWidth * labelType.getNumOfBytes());
        labelFloatView = classLabels ? null : labelBytes.asFloatBuffer();
        labelIndexView = classLabels ? labelBytes.asLongBuffer() : null;
        labelArray = manager.create(labelBytes, new Shape(capacityRows, labelWidth), labelType);
    }

    int capacityRows() {
        return capacityRows;
    }

    /** Copies rows [firstRow, firstRow + rows) of a row-major feature matrix in. */
    void stageFeatures(float[] features, int firstRow, int rows) {
        featureView.clear();
        featureView.put(features, firstRow * featureWidth, rows * featureWidth);
        // position/limit of featureBytes never move, so set() sees the whole buffer
        featureArray.set(featureBytes);
    }

    /** Copies the labels of rows [firstRow, firstRow + rows) in, validating class indices. */
    void stageLabels(float[] labels, int firstRow, int rows) {
        if (classCount > 0) {
            labelIndexView.clear();
            for (int r = 0; r < rows; r++) {
                float label = labels[firstRow + r];
                long index = (long) label;
                // checked here: a bad index reaches gather() in native code otherwise
                if (index != label || index < 0 || index >= classCount) {
                    throw new IllegalArgumentException("label of row " + (firstRow + r)
                            + " must be a class index in [0, " + classCount + "), got " + label);
                }
                labelIndexView.put(index);
            }
        } else {
            labelFloatView.clear();
            labelFloatView.put(labels, firstRow * labelWidth, rows * labelWidth);
        }
        labelArray.set(labelBytes);
    }

    /**
     * The staged features as an array attached to {@code step} for the step's duration, so
     * that every op result derived from it lands in {@code step} (DJL puts results in the
     * manager of the first operand) and is freed when the step closes.
     */
    NDArray features(NDManager step, int rows) {
        return firstRows(featureArray, step, rows);
    }

    /** The staged labels, like {@link #features(NDManager, int)}. */
    NDArray labels(NDManager step, int rows) {
        return firstRows(labelArray, step, rows);
    }

    private NDArray firstRows(NDArray staged, NDManager step, int rows) {
        staged.tempAttach(step);
        if (rows == capacityRows) {
            return staged;
        }
        return staged.get(new NDIndex().addSliceDim(0, rows));
    }

    private static ByteBuffer directBuffer(long bytes) {
        return ByteBuffer.allocateDirect(Math.toIntExact(bytes)).order(ByteOrder.nativeOrder());
    }
}
