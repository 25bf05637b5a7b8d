package dev.streamtrain.operator;

import dev.streamtrain.events.CheckpointEvent;
import dev.streamtrain.events.EventRecord;
import dev.streamtrain.sample.DeadLetter;
import dev.streamtrain.sample.SampleBlock;
import dev.streamtrain.trainer.DjlTrainer;
import dev.streamtrain.trainer.EpochPolicy;
import dev.streamtrain.trainer.ModelSpec;
import dev.streamtrain.trainer.TorchThreads;
import dev.streamtrain.trainer.TrainerState;
import dev.streamtrain.trainer.TrainingCounters;
import dev.streamtrain.trainer.TrainingReport;
import java.io.IOException;
import java.util.List;
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
 * <p>The {@link DivergenceGuard} judges every batch's loss. When it fires, the weights and optimizer
 * state of the last good window come back, the window restarts, the offending batches' samples go
 * to the {@link #DIVERGED_SAMPLES} side output as dead letters, and a {@code diverged} event follows
 * once a batch is accepted again. A window closes only while the guard is quiet and its weights are
 * finite, so no artifact (and no {@code latest}) ever holds diverged weights.
 *
 * <p>Runs with parallelism 1 (its state is one model). This class is the Flink lifecycle only: the
 * state is {@link TrainerOperatorState}, retention's bookkeeping {@link EpochLedger}, the settings
 * {@link TrainerSettings}.
 */
public class ModelTrainerOperator extends AbstractStreamOperator<TrainingReport>
        implements OneInputStreamOperator<SampleBlock, TrainingReport>, BoundedOneInput {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(ModelTrainerOperator.class);

    /** One {@link EventRecord} per committed epoch-window or deletion, for the exactly-once event sink. */
    public static final OutputTag<EventRecord> CHECKPOINT_EVENTS =
            new OutputTag<>("checkpoint-events", TypeInformation.of(EventRecord.class));

    /** Samples of batches the divergence guard skipped, as dead letters of reason DIVERGED. */
    public static final OutputTag<DeadLetter> DIVERGED_SAMPLES =
            new OutputTag<>("diverged-samples", TypeInformation.of(DeadLetter.class));

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

    private transient DivergenceGuard guard;
    /** The newest event time trained so far, for the lag gauge; Long.MIN_VALUE before any. */
    private transient long newestEventTime;

    private transient Counter samplesMetric;
    private transient Counter batchesMetric;
    private transient Counter divergencesMetric;
    private transient Counter divergedSamplesMetric;
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
        // restore hook: no Flink state, but restore.from-artifact names an epoch artifact to continue from
        ResumeFromArtifact resume = saved == null ? settings.resume() : null;
        if (resume != null) {
            saved = resume.state();
            counters = resume.counters();
            window = resume.openWindow();
            attempt = Math.max(attempt, resume.attempt());
        }
        // on the task thread, before the trainer's first native call: libtorch sizes the intra-op pool per thread
        TorchThreads.apply(TorchThreads.choose(
                settings.threads(),
                TorchThreads.SlotShare.of(getContainingTask()
                        .getEnvironment()
                        .getTaskManagerInfo()
                        .getConfiguration()),
                System::getProperty));
        if (saved != null) {
            trainer = DjlTrainer.restore(spec, saved);
            byte[] pending = state.pendingBatch();
            if (pending != null) {
                batch.restore(pending);
            }
            LOG.info(
                    "trainer restored: {} samples trained, {} pending, attempt {}, on {}",
                    counters.samplesTrained,
                    batch.rows(),
                    attempt,
                    trainer.deviceDescription());
        } else {
            trainer = DjlTrainer.create(spec);
            LOG.info("trainer started fresh on {}", trainer.deviceDescription());
        }
        byte[] savedGuard = state.guard();
        if (savedGuard != null) {
            guard = DivergenceGuard.fromBytes(savedGuard, settings.guard(), batch);
        } else {
            // a fresh start: the initial weights are epoch 0's; a snapshot of a build before the guard:
            // the restored weights stand for the window before the open one
            TrainerState good = settings.guard().enabled() ? (saved != null ? saved : trainer.snapshot()) : null;
            guard = DivergenceGuard.start(settings.guard(), batch, good, window.epoch - 1, counters.samplesTrained);
            if (resume != null) {
                resume.seed(guard);
            }
        }
        newestEventTime = window.maxEventTime;
    }

    @Override
    public void open() throws Exception {
        super.open();
        samplesMetric = getMetricGroup().counter("samplesTrained");
        batchesMetric = getMetricGroup().counter("batches");
        getMetricGroup().meter("samplesPerSecond", new MeterView(samplesMetric));
        reports = new TrainingReports(settings.reportEverySamples(), counters);
        getMetricGroup().gauge("meanLoss", reports::lastMeanLoss);
        divergencesMetric = getMetricGroup().counter("divergences");
        divergedSamplesMetric = getMetricGroup().counter("divergedSamples");
        getMetricGroup().gauge("eventTimeLagMillis", this::currentLagMillis);
        windowStartNanos = System.nanoTime();
        if (settings.writesArtifacts()) {
            publisher = new ArtifactPublisher(settings, ledger, jobId(), attempt);
        }
    }

    @Override
    public void processElement(StreamRecord<SampleBlock> element) throws Exception {
        if (publisher != null) {
            publisher.checkAsyncException();
        }
        SampleBlock block = element.getValue();
        if (block.isEmpty()) {
            return;
        }
        EpochPolicy epochs = settings.epochPolicy();
        // event-time windows close only on watermarks, which never fall inside a block: the block's
        // first row fixes the end of a window that has none yet, as a first sample would
        if (epochs.byEventTime() && window.endMillis == Long.MIN_VALUE) {
            long span = epochs.spanMillis();
            window.endMillis = Math.floorDiv(block.eventTimes()[0], span) * span + span;
        }
        int next = 0;
        while (next < block.rows()) {
            if (batch.rows() == 0 && block.rows() - next >= batch.capacity()) {
                // a whole mini-batch lines up with an empty pending batch: train from the block's arrays
                int rows = batch.capacity();
                float loss = trainer.trainBatch(block.features(), block.labels(), next, rows);
                BatchBuffer.recordSources(
                        window,
                        block.topics(),
                        block.partitions(),
                        block.offsets(),
                        block.eventTimes(),
                        next,
                        next + rows);
                DivergenceGuard.Verdict verdict = guard.judge(loss);
                if (verdict != DivergenceGuard.Verdict.ACCEPT) {
                    BatchBuffer rowsOfBatch = new BatchBuffer(batch.capacity(), batch.inputDim(), batch.labelWidth());
                    rowsOfBatch.addRows(block, next);
                    guard.hold(rowsOfBatch);
                }
                next += rows;
                afterBatch(rows, loss, verdict);
            } else {
                next += batch.addRows(block, next);
                if (batch.isFull()) {
                    float loss = trainer.trainBatch(batch.features(), batch.labels(), batch.rows());
                    int rows = batch.rows();
                    batch.recordSourcesIn(window);
                    DivergenceGuard.Verdict verdict = guard.judge(loss);
                    if (verdict != DivergenceGuard.Verdict.ACCEPT) {
                        guard.hold(batch.copy());
                    }
                    batch.clear();
                    afterBatch(rows, loss, verdict);
                }
            }
        }
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        if (settings.epochPolicy().byEventTime()) {
            while (window.endMillis != Long.MIN_VALUE && mark.getTimestamp() >= window.endMillis) {
                if (!guard.quiet()) {
                    // undecided suspect batches or an open episode: the window closes at the next accepted batch
                    guard.closeDue(true);
                    break;
                }
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

    /** Books a trained mini-batch of {@code rows} rows whose sources the window has recorded already. */
    private void afterBatch(int rows, float loss, DivergenceGuard.Verdict verdict) throws IOException {
        newestEventTime = Math.max(newestEventTime, window.maxEventTime);
        window.samples += rows;
        window.batches++;
        window.lossSum += loss;
        counters.samplesTrained += rows;
        counters.batches++;
        counters.lossSinceReport += loss;
        counters.batchesSinceReport++;
        samplesMetric.inc(rows);
        batchesMetric.inc();
        if (reports.due(counters)) {
            output.collect(new StreamRecord<>(reports.next(counters, batch.rows(), trainer, false)));
        }
        if (verdict == DivergenceGuard.Verdict.FIRE) {
            diverge(Float.isFinite(loss) ? DivergenceGuard.LOSS_SPIKE : DivergenceGuard.NON_FINITE_LOSS, loss);
        } else if (verdict == DivergenceGuard.Verdict.ACCEPT) {
            DivergenceEpisode ended = guard.takeEndedEpisode();
            if (ended != null) {
                announceDivergence(ended);
            }
        }
        if (!guard.quiet() || window.samples == 0) {
            return; // windows close only while the guard is quiet
        }
        if (settings.epochPolicy().byEventTime()
                ? guard.closeDue()
                : window.samples >= settings.epochPolicy().samples()) {
            closeWindow();
        }
    }

    /**
     * The guard fired: back to the last good window's weights and optimizer state, the open window
     * restarts, the offending batches become dead letters.
     */
    private void diverge(String trigger, float loss) {
        long discarded = window.samples;
        List<BatchBuffer> skipped = guard.fire(trigger, loss, discarded);
        trainer.load(guard.lastGood());
        counters.samplesTrained = guard.lastGoodSamplesTrained();
        window = window.restart();
        String message = trigger + ": batch loss " + loss + ", running mean " + guard.runningMean()
                + "; the trainer restored the weights of epoch " + (window.epoch - 1);
        long deadLettered = 0;
        for (BatchBuffer b : skipped) {
            DivergedDeadLetters.emit(
                    b,
                    settings.guard().deadLetterSchema(),
                    message,
                    d -> output.collect(DIVERGED_SAMPLES, new StreamRecord<>(d)));
            deadLettered += b.rows();
        }
        divergencesMetric.inc();
        divergedSamplesMetric.inc(deadLettered);
        LOG.warn(
                "divergence guard fired ({}): restored the weights of epoch {}, dead-lettered {} samples, "
                        + "undid {} trained samples",
                message,
                window.epoch - 1,
                deadLettered,
                discarded);
    }

    private void announceDivergence(DivergenceEpisode episode) {
        if (publisher != null) {
            publisher.diverged(episode, counters.samplesTrained);
        }
    }

    /** Now minus the newest event time trained; -1 before the first sample. */
    private long currentLagMillis() {
        return newestEventTime == Long.MIN_VALUE ? -1 : System.currentTimeMillis() - newestEventTime;
    }

    /**
     * Copies the weights off the device now; the upload runs in the background. Weights that are not
     * finite are never published: the guard fires instead, and the window restarts.
     */
    private void closeWindow() throws IOException {
        long now = System.nanoTime();
        TrainerState snapshot = publisher != null || guard.enabled() ? trainer.snapshot() : null;
        if (guard.enabled() && !DivergenceGuard.finite(snapshot)) {
            diverge(DivergenceGuard.NON_FINITE_WEIGHTS, Float.NaN);
            return;
        }
        if (publisher != null) {
            double seconds = Math.max(1e-9, (now - windowStartNanos) / 1e9);
            Long lag = window.maxEventTime == Long.MIN_VALUE ? null : System.currentTimeMillis() - window.maxEventTime;
            publisher.publish(
                    window,
                    snapshot,
                    seconds,
                    counters.samplesTrained,
                    lag,
                    trainer.device(),
                    ResumeCapture.of(
                            window, counters, guard, settings.epochPolicy().spanMillis()));
        }
        if (guard.enabled()) {
            guard.goodWindow(snapshot, window.epoch, counters.samplesTrained);
        }
        window = window.next(settings.epochPolicy().spanMillis());
        windowStartNanos = now;
    }

    /** Emits the events of the finished background work; they commit with {@code checkpointId}. */
    private void announce(Long checkpointId) throws IOException, InterruptedException {
        if (publisher != null) {
            publisher.announce(
                    checkpointId,
                    counters.samplesTrained,
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
        state.save(trainer.snapshot(), batch, counters, window, ledger, attempt, guard);
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
        DivergenceEpisode open = guard.takeOpenEpisode();
        if (open != null) {
            announceDivergence(open);
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
