package dev.streamtrain.operator;

import dev.streamtrain.eval.HoldoutSplit;
import dev.streamtrain.eval.PromotionGate;
import dev.streamtrain.eval.TaskMetrics;
import dev.streamtrain.sample.LabelKind;
import dev.streamtrain.sample.SampleBlock;
import dev.streamtrain.store.Manifest;
import dev.streamtrain.trainer.DjlTrainer;
import dev.streamtrain.trainer.EpochPolicy;
import dev.streamtrain.trainer.ModelSpec;
import dev.streamtrain.trainer.TrainerState;
import dev.streamtrain.trainer.TrainingCounters;
import java.io.IOException;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Trains the model on blocks of samples: cuts them into mini-batches by count (filling the {@link
 * BatchBuffer} or, when a whole batch lines up with an empty one, straight from the block's arrays),
 * books every batch in the open {@link EpochWindow} and the {@link TrainingCounters}, hands the
 * verdicts to {@link DivergenceRecovery}, and closes windows by sample count or by watermark.
 *
 * <p>Evaluation ({@link dev.streamtrain.eval.EvalSettings}): a row the {@link HoldoutSplit} marks is
 * never trained on; it joins the open window's {@link HoldoutRows} where it stands in the stream, and
 * the model at the window's end scores them when it closes. A window's {@code samples} counts trained
 * rows only. The drift detector sees each accepted batch's loss before its update.
 *
 * <p>Flink-free, and it never sees a checkpoint: what it trains depends only on the samples, their
 * order and the watermarks, so a restore from any snapshot trains on to the same bits. Its state
 * pieces are the ones {@link TrainerOperatorState} saves.
 */
final class TrainingLoop implements AutoCloseable {
    private final EpochPolicy epochs;
    private final long reportEverySamples;
    private final DjlTrainer trainer;
    private final BatchBuffer batch;
    private final TrainingCounters counters;
    private final DivergenceGuard guard;
    private final DivergenceRecovery recovery;
    private final HoldoutSplit split;
    private final HoldoutRows holdout;
    private final LabelKind labelKind;
    private final DriftWatch drift;
    /** Whether a closed window's epoch becomes latest; {@link #restorePromotion} replaces the fresh one. */
    private PromotionTracker promotion;

    private double lastHoldoutLoss = Double.NaN;
    private double lastPrequentialLoss = Double.NaN;
    private EpochWindow window;
    /** The newest event time trained so far, for the lag gauge; Long.MIN_VALUE before any. */
    private long newestEventTime;

    private TrainingOutput out;
    private TrainingReports reports;
    private long windowStartNanos;

    private TrainingLoop(
            TrainerSettings settings,
            DjlTrainer trainer,
            BatchBuffer batch,
            TrainingCounters counters,
            EpochWindow window,
            DivergenceGuard guard,
            HoldoutRows holdout,
            DriftWatch drift) {
        this.epochs = settings.epochPolicy();
        this.reportEverySamples = settings.reportEverySamples();
        this.trainer = trainer;
        this.batch = batch;
        this.counters = counters;
        this.window = window;
        this.guard = guard;
        this.recovery = new DivergenceRecovery(guard, settings.guard().deadLetterSchema(), trainer, counters);
        this.newestEventTime = window.maxEventTime;
        this.split = settings.eval().split();
        this.holdout = holdout;
        this.drift = drift;
        this.labelKind = TaskMetrics.labelKindOf(settings.spec().loss());
        this.promotion = PromotionTracker.restore(settings.promotion(), null);
    }

    /** The promoted epoch's metric from operator state; null (a fresh start, an older snapshot): none yet. */
    void restorePromotion(TrainerSettings settings, byte[] saved) {
        this.promotion = PromotionTracker.restore(settings.promotion(), saved);
    }

    /**
     * The loop from saved state pieces: {@code saved} null means a fresh start (the other pieces are
     * then the fresh ones); {@code pendingBatch} and {@code savedGuard} may be null.
     */
    static TrainingLoop restore(
            TrainerSettings settings,
            TrainerState saved,
            byte[] pendingBatch,
            TrainingCounters counters,
            EpochWindow window,
            byte[] savedGuard) {
        return restore(settings, saved, pendingBatch, counters, window, savedGuard, null, null);
    }

    /**
     * As above, with the evaluation's pieces: {@code savedHoldout} and {@code savedDrift} may be null
     * (a fresh start, or a snapshot of a build before evaluation: no holdout rows, a fresh detector).
     */
    static TrainingLoop restore(
            TrainerSettings settings,
            TrainerState saved,
            byte[] pendingBatch,
            TrainingCounters counters,
            EpochWindow window,
            byte[] savedGuard,
            byte[] savedHoldout,
            byte[] savedDrift) {
        ModelSpec spec = settings.spec();
        BatchBuffer batch = new BatchBuffer(spec.batchSize(), spec.inputDim(), labelWidth(spec));
        DjlTrainer trainer = saved != null ? DjlTrainer.restore(spec, saved) : FreshStart.trainer(settings);
        if (saved != null && pendingBatch != null) {
            batch.restore(pendingBatch);
        }
        DivergenceGuard guard;
        if (savedGuard != null) {
            guard = DivergenceGuard.fromBytes(savedGuard, settings.guard(), batch);
        } else {
            // a fresh start: the initial weights are epoch 0's; a snapshot of a build before the guard:
            // the restored weights stand for the window before the open one
            TrainerState good = settings.guard().enabled() ? (saved != null ? saved : trainer.snapshot()) : null;
            guard = DivergenceGuard.start(settings.guard(), batch, good, window.epoch - 1, counters.samplesTrained);
        }
        HoldoutRows holdout = new HoldoutRows(settings.eval().holdoutMaxRows(), spec.inputDim(), labelWidth(spec));
        if (saved != null && savedHoldout != null) {
            holdout.restore(savedHoldout);
        }
        DriftWatch drift = DriftWatch.restore(settings.eval(), saved != null, savedDrift);
        return new TrainingLoop(settings, trainer, batch, counters, window, guard, holdout, drift);
    }

    /** The loop continuing from an epoch artifact (restore.from-artifact) instead of Flink state. */
    static TrainingLoop resume(TrainerSettings settings, ResumeFromArtifact from) {
        TrainingLoop loop = restore(settings, from.state(), null, from.counters(), from.openWindow(), null);
        from.seed(loop.guard);
        return loop;
    }

    /** Starts the report period and the window's clock; everything produced from now on goes to {@code output}. */
    void start(TrainingOutput output) {
        this.out = output;
        this.reports = new TrainingReports(reportEverySamples, counters);
        this.windowStartNanos = System.nanoTime();
    }

    void train(SampleBlock block) throws IOException {
        if (block.isEmpty()) {
            return;
        }
        // event-time windows close only on watermarks, which never fall inside a block: the block's
        // first row fixes the end of a window that has none yet, as a first sample would
        if (epochs.byEventTime() && window.endMillis == Long.MIN_VALUE) {
            long span = epochs.spanMillis();
            window.endMillis = Math.floorDiv(block.eventTimes()[0], span) * span + span;
        }
        if (!split.enabled()) {
            trainRows(block, 0, block.rows());
            return;
        }
        // rows in stream order: a holdout row joins the window open when the rows before it are trained
        int from = 0;
        for (int r = 0; r < block.rows(); r++) {
            if (isHoldout(block, r)) {
                trainRows(block, from, r);
                holdout.add(block, r);
                from = r + 1;
            }
        }
        trainRows(block, from, block.rows());
    }

    /** Rows without a Kafka source (no offset) are always trained: the split is by partition and offset. */
    private boolean isHoldout(SampleBlock block, int r) {
        return block.topics()[r] != null
                && block.offsets()[r] >= 0
                && split.isHoldout(block.partitions()[r], block.offsets()[r]);
    }

    /** Trains rows [from, to) of {@code block}, in mini-batches. */
    private void trainRows(SampleBlock block, int from, int to) throws IOException {
        int next = from;
        while (next < to) {
            if (batch.rows() == 0 && to - next >= batch.capacity()) {
                // a whole mini-batch lines up with an empty pending batch: train from the block's arrays
                int rows = batch.capacity();
                int first = next;
                float loss = trainer.trainBatch(block.features(), block.labels(), first, rows);
                Consumer<EpochWindow> sources = w -> BatchBuffer.recordSources(
                        w,
                        block.topics(),
                        block.partitions(),
                        block.offsets(),
                        block.eventTimes(),
                        first,
                        first + rows);
                sources.accept(window);
                DivergenceGuard.Verdict verdict = recovery.judge(loss, () -> {
                    BatchBuffer copy = new BatchBuffer(batch.capacity(), batch.inputDim(), batch.labelWidth());
                    copy.addRows(block, first, first + rows);
                    return copy;
                });
                next += rows;
                afterBatch(rows, loss, verdict, batchOffsets(sources));
            } else {
                next += batch.addRows(block, next, to);
                if (batch.isFull()) {
                    float loss = trainer.trainBatch(batch.features(), batch.labels(), batch.rows());
                    int rows = batch.rows();
                    batch.recordSourcesIn(window);
                    DivergenceGuard.Verdict verdict = recovery.judge(loss, batch::copy);
                    Map<String, Manifest.OffsetRange> offsets = batchOffsets(batch::recordSourcesIn);
                    batch.clear();
                    afterBatch(rows, loss, verdict, offsets);
                }
            }
        }
    }

    /** Event-time mode: closes every window the watermark has passed, as far as the guard lets it. */
    void watermark(long timestamp) throws IOException {
        if (!epochs.byEventTime()) {
            return;
        }
        while (window.endMillis != Long.MIN_VALUE && timestamp >= window.endMillis) {
            if (!guard.quiet()) {
                // undecided suspect batches or an open episode: the window closes at the next accepted batch
                guard.closeDue(true);
                return;
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

    /**
     * End of a bounded input: the open window closes (so the final model becomes an artifact), an
     * open episode is announced, and the final report (with the whole model) goes out. The partial
     * batch stays pending, as it would in a stream.
     */
    void finish() throws IOException {
        if (window.samples > 0) {
            closeWindow();
        }
        recovery.finish(out);
    }

    /** The final report, with the whole model state. */
    void finalReport() {
        out.report(reports.next(counters, batch.rows(), trainer, true));
    }

    /** The batch's offset ranges, for a drift signal; null (not computed) when drift detection is off. */
    private Map<String, Manifest.OffsetRange> batchOffsets(Consumer<EpochWindow> sources) {
        if (!drift.on()) {
            return null;
        }
        EpochWindow scratch = new EpochWindow();
        sources.accept(scratch);
        return scratch.offsetRanges();
    }

    /** Books a trained mini-batch of {@code rows} rows whose sources the window has recorded already. */
    private void afterBatch(
            int rows, float loss, DivergenceGuard.Verdict verdict, Map<String, Manifest.OffsetRange> offsets)
            throws IOException {
        newestEventTime = Math.max(newestEventTime, window.maxEventTime);
        window.samples += rows;
        window.batches++;
        window.lossSum += loss;
        counters.samplesTrained += rows;
        counters.batches++;
        counters.lossSinceReport += loss;
        counters.batchesSinceReport++;
        out.batchTrained(rows);
        DriftSignal signal = drift.on() && verdict == DivergenceGuard.Verdict.ACCEPT && Float.isFinite(loss)
                ? drift.add(window.epoch, loss, offsets)
                : null;
        if (signal != null) {
            out.driftDetected(signal, counters.samplesTrained);
        }
        if (reports.due(counters)) {
            out.report(reports.next(counters, batch.rows(), trainer, false));
        }
        window = recovery.settle(verdict, loss, window, out);
        if (!guard.quiet() || window.samples == 0) {
            return; // windows close only while the guard is quiet
        }
        if (epochs.byEventTime() ? guard.closeDue() : window.samples >= epochs.samples()) {
            closeWindow();
        }
    }

    /**
     * Copies the weights off the device and hands them out; weights that are not finite are never
     * handed out: the guard fires instead, and the window restarts.
     */
    private void closeWindow() throws IOException {
        long now = System.nanoTime();
        TrainerState snapshot = out.wantsWeights() || guard.enabled() ? trainer.snapshot() : null;
        if (guard.enabled() && !DivergenceGuard.finite(snapshot)) {
            window = recovery.fire(DivergenceGuard.NON_FINITE_WEIGHTS, Float.NaN, window, out);
            return;
        }
        double seconds = Math.max(1e-9, (now - windowStartNanos) / 1e9);
        Long lag = window.maxEventTime == Long.MIN_VALUE ? null : System.currentTimeMillis() - window.maxEventTime;
        TaskMetrics holdoutMetrics = scoreHoldout();
        PromotionGate.Verdict promoted = promotion.judge(holdoutMetrics);
        lastPrequentialLoss = window.lossSum / Math.max(1, window.batches);
        out.windowClosed(
                window,
                snapshot,
                seconds,
                counters.samplesTrained,
                lag,
                trainer.device(),
                ResumeCapture.of(window, counters, guard, epochs.spanMillis()),
                holdoutMetrics,
                promoted);
        holdout.clear();
        if (guard.enabled()) {
            guard.goodWindow(snapshot, window.epoch, counters.samplesTrained);
        }
        window = window.next(epochs.spanMillis());
        windowStartNanos = now;
    }

    /** The window's holdout rows scored by the model as it is now; null when there are none. */
    private TaskMetrics scoreHoldout() {
        int rows = holdout.rows();
        if (rows == 0) {
            return null;
        }
        ModelSpec spec = trainer.spec();
        float[] outputs = trainer.predict(holdout.features(), rows);
        TaskMetrics metrics =
                TaskMetrics.compute(labelKind, spec.loss(), spec.outputDim(), outputs, holdout.labels(), rows);
        lastHoldoutLoss = metrics.loss();
        return metrics;
    }

    /** The holdout loss of the last closed window that had holdout rows; NaN before one. */
    double lastHoldoutLoss() {
        return lastHoldoutLoss;
    }

    /** The prequential loss of the last closed window; NaN before one. */
    double lastPrequentialLoss() {
        return lastPrequentialLoss;
    }

    /** Holdout rows kept in the open window. */
    int holdoutRows() {
        return holdout.rows();
    }

    /** Now minus the newest event time trained; -1 before the first sample. */
    long lagMillis() {
        return newestEventTime == Long.MIN_VALUE ? -1 : System.currentTimeMillis() - newestEventTime;
    }

    double lastMeanLoss() {
        return reports.lastMeanLoss();
    }

    /** Saves every state piece; the model is copied off the device for the snapshot. */
    void saveTo(TrainerOperatorState state, EpochLedger ledger, int attempt) throws Exception {
        state.save(trainer.snapshot(), batch, counters, window, ledger, attempt, guard);
        state.saveEvaluation(holdout.toBytes(), drift.toBytes());
        state.savePromotion(promotion.toBytes());
    }

    EpochWindow window() {
        return window;
    }

    TrainingCounters counters() {
        return counters;
    }

    int pendingRows() {
        return batch.rows();
    }

    DjlTrainer trainer() {
        return trainer;
    }

    @Override
    public void close() {
        trainer.close();
    }

    static int labelWidth(ModelSpec spec) {
        return spec.loss() == ModelSpec.Loss.SOFTMAX_CROSS_ENTROPY ? 1 : spec.outputDim();
    }
}
