package dev.streamtrain.sample;

import java.util.EnumMap;
import java.util.Map;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The batched path's validation step, chained after the Kafka source: appends valid rows to a
 * {@link SampleBlock} and emits it when it holds {@code blockRows} rows (one mini-batch), and sends
 * dead letters to {@link SampleValidator#DEAD_LETTERS}, with the same metrics as {@link
 * SampleValidator}.
 *
 * <p>It holds no state: the partial block is emitted before every checkpoint barrier ({@link
 * #prepareSnapshotPreBarrier}), so the source's checkpointed offsets never run ahead of rows the
 * trainer has seen, and at the end of input. It is also emitted before a watermark is passed on,
 * so that no row reaches the trainer behind a watermark that its event time precedes. Where a block
 * ends does not change training: the trainer forms its mini-batches by count across blocks.
 */
public class SampleBatcher extends AbstractStreamOperator<SampleBlock>
        implements OneInputStreamOperator<DecodedRow, SampleBlock>, BoundedOneInput {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(SampleBatcher.class);

    private final int blockRows;
    private final int featureDim;
    private final int labelWidth;

    private transient SampleBlock block;
    private transient StreamRecord<SampleBlock> blockRecord;
    private transient Counter validSamples;
    private transient Counter deadLettered;
    private transient Map<DeadLetterReason, Counter> deadLetteredByReason;
    /** Log only the first dead letter of each reason per subtask: a bad producer can send millions. */
    private transient Map<DeadLetterReason, Boolean> logged;

    public SampleBatcher(SampleSchema schema, int blockRows) {
        if (blockRows < 1) {
            throw new IllegalArgumentException("blockRows must be >= 1, got " + blockRows);
        }
        this.blockRows = blockRows;
        this.featureDim = schema.featureDim();
        this.labelWidth = schema.labelWidth();
    }

    @Override
    public void open() throws Exception {
        super.open();
        MetricGroup metrics = getMetricGroup();
        validSamples = metrics.counter(SampleValidator.VALID_COUNTER);
        deadLettered = metrics.counter(SampleValidator.DEAD_LETTER_COUNTER);
        deadLetteredByReason = new EnumMap<>(DeadLetterReason.class);
        logged = new EnumMap<>(DeadLetterReason.class);
        // registered up front so dashboards show a 0 rather than a missing series
        for (DeadLetterReason r : DeadLetterReason.values()) {
            deadLetteredByReason.put(
                    r,
                    metrics.addGroup(SampleValidator.REASON_GROUP, r.name())
                            .counter(SampleValidator.DEAD_LETTER_COUNTER));
        }
        blockRecord = new StreamRecord<>(null);
        block = newBlock();
    }

    @Override
    public void processElement(StreamRecord<DecodedRow> element) {
        DecodedRow row = element.getValue();
        if (row.valid()) {
            if (block.append(row)) {
                emitBlock();
            }
            return;
        }
        DeadLetter d = row.deadLetter;
        deadLettered.inc();
        deadLetteredByReason.get(d.reason).inc();
        if (logged.put(d.reason, Boolean.TRUE) == null) {
            LOG.warn("dead-lettering records; first of reason {}: {} (further ones are only counted)", d.reason, d);
        }
        // the dead letter keeps its record's element timestamp, as SampleValidator's side output does
        output.collect(
                SampleValidator.DEAD_LETTERS,
                element.hasTimestamp() ? new StreamRecord<>(d, element.getTimestamp()) : new StreamRecord<>(d));
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        emitBlock();
        super.processWatermark(mark);
    }

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        emitBlock();
        super.prepareSnapshotPreBarrier(checkpointId);
    }

    @Override
    public void endInput() {
        emitBlock();
    }

    /** Emits the block if it holds rows and starts a new one: an emitted block is never changed. */
    private void emitBlock() {
        if (block.isEmpty()) {
            return;
        }
        validSamples.inc(block.rows());
        output.collect(blockRecord.replace(block));
        block = newBlock();
    }

    private SampleBlock newBlock() {
        return new SampleBlock(blockRows, featureDim, labelWidth);
    }
}
