package dev.streamtrain.sample;

import org.apache.flink.api.common.typeinfo.TypeInfo;

/**
 * A block of valid samples in columns: row-major features and labels of up to {@code capacity}
 * rows, with each row's event time and Kafka source. The batched path hands the trainer one block
 * (normally one mini-batch) instead of one {@link Sample} per record, so Flink's per-element work
 * happens once per block and the trainer can train straight from {@link #features()}.
 *
 * <p>Filled by one {@link SampleBatcher} and never changed once emitted: the batcher starts a new
 * block after each emission. That is why {@link SampleBlockSerializer#copy} may pass the instance on
 * between chained operators, as Flink does with Strings.
 */
@TypeInfo(SampleBlockSerializer.Factory.class)
public final class SampleBlock {
    private final int featureDim;
    private final int labelWidth;
    private final float[] features;
    private final float[] labels;
    private final long[] eventTimes;
    private final String[] topics;
    private final int[] partitions;
    private final long[] offsets;
    private int rows;

    public SampleBlock(int capacity, int featureDim, int labelWidth) {
        this(
                featureDim,
                labelWidth,
                0,
                new float[capacity * featureDim],
                new float[capacity * labelWidth],
                new long[capacity],
                new String[capacity],
                new int[capacity],
                new long[capacity]);
    }

    SampleBlock(
            int featureDim,
            int labelWidth,
            int rows,
            float[] features,
            float[] labels,
            long[] eventTimes,
            String[] topics,
            int[] partitions,
            long[] offsets) {
        this.featureDim = featureDim;
        this.labelWidth = labelWidth;
        this.rows = rows;
        this.features = features;
        this.labels = labels;
        this.eventTimes = eventTimes;
        this.topics = topics;
        this.partitions = partitions;
        this.offsets = offsets;
    }

    /** Appends a valid decoded row; returns true when the block is full. */
    public boolean append(DecodedRow row) {
        System.arraycopy(row.features, 0, features, rows * featureDim, featureDim);
        System.arraycopy(row.label, 0, labels, rows * labelWidth, labelWidth);
        return finishRow(row.eventTimeMillis, row.topic, row.partition, row.offset);
    }

    /** Appends a {@link Sample} (tests, and sources that produce Samples); returns true when full. */
    public boolean append(Sample s) {
        if (s.features.length != featureDim || s.label.length != labelWidth) {
            throw new IllegalArgumentException("sample has " + s.features.length + " features and " + s.label.length
                    + " label values; the block holds " + featureDim + " and " + labelWidth);
        }
        System.arraycopy(s.features, 0, features, rows * featureDim, featureDim);
        System.arraycopy(s.label, 0, labels, rows * labelWidth, labelWidth);
        return finishRow(s.eventTimeMillis, s.topic, s.partition, s.offset);
    }

    private boolean finishRow(long eventTime, String topic, int partition, long offset) {
        eventTimes[rows] = eventTime;
        topics[rows] = topic;
        partitions[rows] = partition;
        offsets[rows] = offset;
        rows++;
        return rows == capacity();
    }

    public int rows() {
        return rows;
    }

    public int capacity() {
        return eventTimes.length;
    }

    public boolean isEmpty() {
        return rows == 0;
    }

    public int featureDim() {
        return featureDim;
    }

    public int labelWidth() {
        return labelWidth;
    }

    /** Row-major, {@code rows() * featureDim()} values in use. Read only. */
    public float[] features() {
        return features;
    }

    /** Row-major, {@code rows() * labelWidth()} values in use. Read only. */
    public float[] labels() {
        return labels;
    }

    public long[] eventTimes() {
        return eventTimes;
    }

    /** Each row's topic; null for rows that did not come from Kafka. */
    public String[] topics() {
        return topics;
    }

    public int[] partitions() {
        return partitions;
    }

    public long[] offsets() {
        return offsets;
    }

    @Override
    public String toString() {
        return "SampleBlock{" + rows + " rows of " + featureDim + " features, " + labelWidth + " label values"
                + (rows == 0 ? "" : ", first " + topics[0] + '/' + partitions[0] + '@' + offsets[0]) + '}';
    }
}
