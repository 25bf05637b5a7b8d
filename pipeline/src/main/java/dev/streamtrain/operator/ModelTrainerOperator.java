package dev.streamtrain.operator;

import dev.streamtrain.events.CheckpointEvent;
import dev.streamtrain.events.EventRecord;
import dev.streamtrain.sample.Sample;
import dev.streamtrain.trainer.DjlTrainer;
import dev.streamtrain.trainer.EpochPolicy;
import dev.streamtrain.trainer.ModelSpec;
import dev.streamtrain.trainer.TorchThreads;
import dev.streamtrain.trainer.TrainerState;
import dev.streamtrain.trainer.TrainingCounters;
import dev.streamtrain.trainer.TrainingReport;
import java.io.IOException;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MeterView;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains a DJL model on the sample stream. The model parameters, the optimizer state, the partial
 * mini-batch and the counters are operator state ({@link TrainerOperatorState}), so every Flink
 * checkpoint and savepoint holds them and a restore resumes training exactly where it stopped: with
 * one input partition the weights after a failure and recovery equal, bitwise, those of a run
 * without failure.
 *
 * <p>Every epoch-window ({@link EpochPolicy}) it copies the weights off the device and hands them
 * to the {@link ArtifactPublisher}, so training does not wait for the upload. Just before the next
 * checkpoint barrier it waits for the writes that are still running and emits one {@link
 * CheckpointEvent} per window on the {@link #CHECKPOINT_EVENTS} side output: the event belongs to
 * that checkpoint's Kafka transaction, so a read_committed consumer sees it only once the
 * checkpoint completes and never before its artifact is durable. A window replayed after a failure
 * is retrained identically and rewritten; the failed attempt's event was never committed.
 *
 * <p>Runs with parallelism 1 (its state is one model). This class is the Flink lifecycle only: the
 * state is {@link TrainerOperatorState}, retention's bookkeeping {@link EpochLedger}, the settings
 * {@link TrainerSettings}.
 */
public class ModelTrainerOperator extends AbstractStreamOperator<TrainingReport>
        implements OneInputStreamOperator<Sample, TrainingReport>, BoundedOneInput {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(ModelTrainerOperator.class);

    /** One {@link EventRecord} per committed epoch-window or deletion, for the exactly-once event sink. */
    public static final OutputTag<EventRecord> CHECKPOINT_EVENTS =
            new OutputTag<>("checkpoint-events", TypeInformation.of(EventRecord.class));

    private final TrainerSettings settings;

    private transient TrainerOperatorState state;
    private transient DjlTrainer trainer;
    private transient BatchBuffer batch;
    private transient TrainingCounters counters;
    private transient EpochWindow window;
    private transient long windowStartNanos;
    private transient EpochLedger ledger;
    private transient int attempt;
    /** Null when the settings write no artifacts. */
    private transient ArtifactPublisher publisher;

    private transient Counter samplesMetric;
    private transient Counter batchesMetric;
    private transient TrainingReports reports;

    public ModelTrainerOperator(TrainerSettings settings) {
        this.settings = settings;
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        state = TrainerOperatorState.register(context.getOperatorStateStore());
        window = state.window();
        ledger = EpochLedger.fromJson(settings.retention(), settings.retainedCheckpoints(), state.committedEpochs());
        attempt = Math.max(settings.lineage().attempt(), state.attempt());
        ModelSpec spec = settings.spec();
        batch = new BatchBuffer(spec.batchSize(), spec.inputDim(), labelWidth(spec));
        TrainerState saved = state.model();
        counters = state.counters();
        // on the task thread, before the trainer's first native call: libtorch sizes the intra-op pool per thread
        TorchThreads.apply(TorchThreads.choose(settings.threads(),
                TorchThreads.SlotShare.of(getContainingTask().getEnvironment().getTaskManagerInfo().getConfiguration()),
                System::getProperty));
        if (saved != null) {
            trainer = DjlTrainer.restore(spec, saved);
            byte[] pending = state.pendingBatch();
            if (pending != null) {
                batch.restore(pending);
            }
            LOG.info("trainer restored: {} samples trained, {} pending, attempt {}, on {}", counters.samplesTrained,
                    batch.rows(), attempt, trainer.deviceDescription());
        } else {
            trainer = DjlTrainer.create(spec);
            LOG.info("trainer started fresh on {}", trainer.deviceDescription());
        }
    }

    @Override
    public void open() throws Exception {
        super.open();
        samplesMetric = getMetricGroup().counter("samplesTrained");
        batchesMetric = getMetricGroup().counter("batches");
        getMetricGroup().meter("samplesPerSecond", new MeterView(samplesMetric));
        reports = new TrainingReports(settings.reportEverySamples(), counters);
        getMetricGroup().gauge("meanLoss", reports::lastMeanLoss);
        windowStartNanos = System.nanoTime();
        if (settings.writesArtifacts()) {
            publisher = new ArtifactPublisher(settings, ledger, jobId(), attempt);
        }
    }

    @Override
    public void processElement(StreamRecord<Sample> element) throws Exception {
        if (publisher != null) {
            publisher.checkAsyncException();
        }
        Sample s = element.getValue();
        EpochPolicy epochs = settings.epochPolicy();
        if (epochs.byEventTime() && window.endMillis == Long.MIN_VALUE) {
            long span = epochs.spanMillis();
            window.endMillis = Math.floorDiv(s.eventTimeMillis, span) * span + span;
        }
        if (batch.add(s)) {
            trainFullBatch();
        }
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        if (settings.epochPolicy().byEventTime()) {
            while (window.endMillis != Long.MIN_VALUE && mark.getTimestamp() >= window.endMillis) {
                if (window.samples > 0) {
                    closeWindow();
                } else {
                    // an empty span closes nothing: the next sample fixes the next window's end (and the
                    // final Long.MAX_VALUE watermark cannot overflow an end computed from it)
                    window.endMillis = Long.MIN_VALUE;
                }
            }
        }
        super.processWatermark(mark);
    }

    private void trainFullBatch() throws IOException {
        float loss = trainer.trainBatch(batch.features(), batch.labels(), batch.rows());
        int rows = batch.rows();
        batch.recordSourcesIn(window);
        window.samples += rows;
        window.batches++;
        window.lossSum += loss;
        batch.clear();
        counters.samplesTrained += rows;
        counters.batches++;
        counters.lossSinceReport += loss;
        counters.batchesSinceReport++;
        samplesMetric.inc(rows);
        batchesMetric.inc();
        if (reports.due(counters)) {
            output.collect(new StreamRecord<>(reports.next(counters, batch.rows(), trainer, false)));
        }
        if (!settings.epochPolicy().byEventTime() && window.samples >= settings.epochPolicy().samples()) {
            closeWindow();
        }
    }

    /** Copies the weights off the device now; the upload runs in the background. */
    private void closeWindow() throws IOException {
        long now = System.nanoTime();
        if (publisher != null) {
            double seconds = Math.max(1e-9, (now - windowStartNanos) / 1e9);
            publisher.publish(window, trainer.snapshot(), seconds, counters.samplesTrained);
        }
        window = window.next(settings.epochPolicy().spanMillis());
        windowStartNanos = now;
    }

    /** Emits the events of the finished background work; they commit with {@code checkpointId}. */
    private void announce(Long checkpointId) throws IOException, InterruptedException {
        if (publisher != null) {
            publisher.announce(checkpointId, counters.samplesTrained,
                    event -> output.collect(CHECKPOINT_EVENTS, new StreamRecord<>(EventRecord.of(event))));
        }
    }

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        super.prepareSnapshotPreBarrier(checkpointId);
        announce(checkpointId);
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        // Copies the weights off the device; the copy is what the checkpoint holds.
        state.save(trainer.snapshot(), batch, counters, window, ledger, attempt);
    }

    /**
     * End of a bounded input: the open window closes (so the final model becomes an artifact), and
     * the final model is reported. The partial batch stays pending, as it would in a stream.
     */
    @Override
    public void endInput() throws Exception {
        if (window.samples > 0) {
            closeWindow();
        }
        // no barrier follows for this operator: announce the last windows and any deletions now
        do {
            announce(null);
        } while (publisher != null && publisher.hasPending());
        output.collect(new StreamRecord<>(reports.next(counters, batch.rows(), trainer, true)));
    }

    @Override
    public void close() throws Exception {
        try {
            if (publisher != null) {
                publisher.close();
            }
            if (trainer != null) {
                trainer.close();
                trainer = null;
            }
        } finally {
            super.close();
        }
    }

    private String jobId() {
        return getRuntimeContext().getJobInfo().getJobId().toString();
    }

    static int labelWidth(ModelSpec spec) {
        return spec.loss() == ModelSpec.Loss.SOFTMAX_CROSS_ENTROPY ? 1 : spec.outputDim();
    }
}
