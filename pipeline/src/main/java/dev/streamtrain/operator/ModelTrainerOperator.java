package dev.streamtrain.operator;

import dev.streamtrain.eval.PromotionGate;
import dev.streamtrain.eval.TaskMetrics;
import dev.streamtrain.events.CheckpointEvent;
import dev.streamtrain.events.EventRecord;
import dev.streamtrain.sample.DeadLetter;
import dev.streamtrain.sample.SampleBlock;
import dev.streamtrain.store.Manifest;
import dev.streamtrain.trainer.EpochPolicy;
import dev.streamtrain.trainer.TorchThreads;
import dev.streamtrain.trainer.TrainerState;
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
 * <p>The {@link DivergenceGuard} judges every batch's loss. When it fires, the weights and optimizer
 * state of the last good window come back, the window restarts, the offending batches' samples go
 * to the {@link #DIVERGED_SAMPLES} side output as dead letters, and a {@code diverged} event follows
 * once a batch is accepted again. A window closes only while the guard is quiet and its weights are
 * finite, so no artifact (and no {@code latest}) ever holds diverged weights.
 *
 * <p>Runs with parallelism 1 (its state is one model). This class is the Flink lifecycle only: the
 * training (batches, windows, reports) is {@link TrainingLoop}, what follows a divergence {@link
 * DivergenceRecovery}, the state {@link TrainerOperatorState}, retention's bookkeeping {@link
 * EpochLedger}, the settings {@link TrainerSettings}.
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
    private transient TrainingLoop loop;
    private transient EpochLedger ledger;
    private transient int attempt;
    /** Null when the settings write no artifacts. */
    private transient ArtifactPublisher publisher;

    public ModelTrainerOperator(TrainerSettings settings) {
        this.settings = settings;
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        state = TrainerOperatorState.register(context.getOperatorStateStore());
        ledger = EpochLedger.fromJson(settings.retention(), settings.retainedCheckpoints(), state.committedEpochs());
        attempt = Math.max(settings.lineage().attempt(), state.attempt());
        // on the task thread, before the trainer's first native call: libtorch sizes the intra-op pool per thread
        TorchThreads.apply(TorchThreads.choose(
                settings.threads(),
                TorchThreads.SlotShare.of(getContainingTask()
                        .getEnvironment()
                        .getTaskManagerInfo()
                        .getConfiguration()),
                System::getProperty));
        TrainerState saved = state.model();
        // no Flink state, but restore.from-artifact names an epoch artifact to continue from
        ResumeFromArtifact resume = saved == null ? settings.resume() : null;
        if (resume != null) {
            attempt = Math.max(attempt, resume.attempt());
            saved = resume.state();
        }
        loop = resume != null
                ? TrainingLoop.resume(settings, resume)
                : TrainingLoop.restore(
                        settings,
                        saved,
                        state.pendingBatch(),
                        state.counters(),
                        state.window(),
                        state.guard(),
                        state.holdout(),
                        state.drift());
        if (resume == null) {
            loop.restorePromotion(settings, state.promoted());
        }
        LOG.info(
                "trainer {}: {} samples trained, {} pending, attempt {}, on {}",
                saved != null ? "restored" : "started fresh",
                loop.counters().samplesTrained,
                loop.pendingRows(),
                attempt,
                loop.trainer().deviceDescription());
    }

    @Override
    public void open() throws Exception {
        super.open();
        Counter samples = getMetricGroup().counter("samplesTrained");
        Counter batches = getMetricGroup().counter("batches");
        getMetricGroup().meter("samplesPerSecond", new MeterView(samples));
        getMetricGroup().gauge("meanLoss", () -> loop.lastMeanLoss());
        Counter divergences = getMetricGroup().counter("divergences");
        Counter divergedSamples = getMetricGroup().counter("divergedSamples");
        getMetricGroup().gauge("eventTimeLagMillis", () -> loop.lagMillis());
        getMetricGroup().gauge("holdoutLoss", () -> loop.lastHoldoutLoss());
        getMetricGroup().gauge("prequentialLoss", () -> loop.lastPrequentialLoss());
        Counter driftSignals = getMetricGroup().counter("driftSignals");
        if (settings.writesArtifacts()) {
            publisher = new ArtifactPublisher(settings, ledger, jobId(), attempt);
        }
        loop.start(new TrainingOutput() {
            @Override
            public void batchTrained(int rows) {
                samples.inc(rows);
                batches.inc();
            }

            @Override
            public void report(TrainingReport report) {
                output.collect(new StreamRecord<>(report));
            }

            @Override
            public boolean wantsWeights() {
                return publisher != null;
            }

            @Override
            public void windowClosed(
                    EpochWindow window,
                    TrainerState weights,
                    double seconds,
                    long total,
                    Long lag,
                    String device,
                    Manifest.Resume resume,
                    TaskMetrics holdout,
                    PromotionGate.Verdict promotion)
                    throws IOException {
                if (publisher != null) {
                    publisher.publish(window, weights, seconds, total, lag, device, resume, holdout, promotion);
                }
            }

            @Override
            public void driftDetected(DriftSignal signal, long samplesTrained) {
                driftSignals.inc();
                LOG.info(
                        "drift detected in epoch {}: Page-Hinkley statistic {} after {} batches (batch loss {})",
                        signal.epoch(),
                        signal.statistic(),
                        signal.batches(),
                        signal.loss());
                if (publisher != null) {
                    publisher.driftDetected(signal, samplesTrained);
                }
            }

            @Override
            public void deadLetter(DeadLetter deadLetter) {
                output.collect(DIVERGED_SAMPLES, new StreamRecord<>(deadLetter));
            }

            @Override
            public void diverged(long deadLettered) {
                divergences.inc();
                divergedSamples.inc(deadLettered);
            }

            @Override
            public void episodeEnded(DivergenceEpisode episode, long samplesTrained) {
                if (publisher != null) {
                    publisher.diverged(episode, samplesTrained);
                }
            }
        });
    }

    @Override
    public void processElement(StreamRecord<SampleBlock> element) throws Exception {
        if (publisher != null) {
            publisher.checkAsyncException();
        }
        loop.train(element.getValue());
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        loop.watermark(mark.getTimestamp());
        super.processWatermark(mark);
    }

    /** Emits the events of the finished background work; they commit with {@code checkpointId}. */
    private void announce(Long checkpointId) throws IOException, InterruptedException {
        if (publisher != null) {
            publisher.announce(
                    checkpointId,
                    loop.counters().samplesTrained,
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
        loop.saveTo(state, ledger, attempt);
    }

    /**
     * End of a bounded input: the loop closes the open window and announces an open episode; no
     * barrier follows for this operator, so the last windows and deletions are announced now, then
     * the final model is reported.
     */
    @Override
    public void endInput() throws Exception {
        loop.finish();
        do {
            announce(null);
        } while (publisher != null && publisher.hasPending());
        loop.finalReport();
    }

    @Override
    public void close() throws Exception {
        try {
            if (publisher != null) {
                publisher.close();
            }
            if (loop != null) {
                loop.close();
                loop = null;
            }
        } finally {
            super.close();
        }
    }

    private String jobId() {
        return getRuntimeContext().getJobInfo().getJobId().toString();
    }
}
