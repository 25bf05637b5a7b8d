package dev.streamtrain.sample;

import org.apache.flink.api.common.typeinfo.TypeInfo;

/**
 * One decoded Kafka record on the batched path: a valid row (features, label, event time) or a
 * {@link DeadLetter}. The source's deserializer ({@link KafkaRowDeserializer}) fills one instance
 * again and again, so a valid record allocates nothing; {@link SampleBatcher} copies the row out
 * into its {@link SampleBlock} at once.
 *
 * <p>Why reuse is safe here: Flink hands a source's output to the chained operators synchronously,
 * before the source reads its next record, and over a network edge it serializes the row at once;
 * {@link DecodedRowSerializer#copy} therefore passes the instance on (as object reuse would), and
 * nothing downstream keeps a reference to it.
 */
@TypeInfo(DecodedRowSerializer.Factory.class)
public final class DecodedRow {
    /** Exactly featureDim values; valid only while {@link #deadLetter} is null. */
    public final float[] features;
    /** Exactly labelWidth values (a CLASS index as one float). */
    public final float[] label;
    /** The record's own event time (JSON {@code eventTime}), else its Kafka timestamp. */
    public long eventTimeMillis;

    public String topic;
    public int partition;
    public long offset;
    /** Null for a valid row; else why the record was rejected, with its original bytes. */
    public DeadLetter deadLetter;

    public DecodedRow(int featureDim, int labelWidth) {
        this.features = new float[featureDim];
        this.label = new float[labelWidth];
    }

    public boolean valid() {
        return deadLetter == null;
    }
}
