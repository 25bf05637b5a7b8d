package dev.streamtrain.trainer;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamtrain.events.CheckpointEvent;
import dev.streamtrain.events.EventRecord;
import dev.streamtrain.sample.Sample;
import dev.streamtrain.store.ArtifactDeleter;
import dev.streamtrain.store.ArtifactResult;
import dev.streamtrain.store.ArtifactSettings;
import dev.streamtrain.store.ArtifactWriter;
import dev.streamtrain.store.EpochArtifact;
import dev.streamtrain.store.Manifest;
import dev.streamtrain.store.RetentionPolicy;
import java.util.HashSet;
import java.util.Set;
import java.io.IOException;
import java.util.ArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MeterView;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.util.OutputTag;
import software.amazon.awssdk.services.s3.S3Client;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains a DJL model on the sample stream. The model parameters, the optimizer state, the partial
 * mini-batch and the counters are operator state, so every Flink checkpoint and savepoint holds
 * them and a restore resumes training exactly where it stopped: with one input partition the
 * weights after a failure and recovery equal, bitwise, those of a run without failure.
 *
 * <p>Every epoch-window ({@link EpochPolicy}) it copies the weights off the device and hands them
 * to a background writer ({@link ArtifactWriter}), so training does not wait for the upload. Just
 * before the next checkpoint barrier it waits for the writes that are still running and emits one
 * {@link CheckpointEvent} per window on the {@link #CHECKPOINT_EVENTS} side output: the event
 * belongs to that checkpoint's Kafka transaction, so a read_committed consumer sees it only once
 * the checkpoint completes and never before its artifact is durable. A window replayed after a
 * failure is retrained identically and rewritten; the failed attempt's event was never committed.
 *
 * <p>Runs with parallelism 1 (its state is one model). State names are a public contract: see
 * {@link #MODEL_STATE}, {@link #PENDING_BATCH_STATE}, {@link #COUNTERS_STATE}, {@link #WINDOW_STATE}.
 */
public class ModelTrainerOperator extends AbstractStreamOperator<TrainingReport>
        implements OneInputStreamOperator<Sample, TrainingReport>, BoundedOneInput {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(ModelTrainerOperator.class);

    /** {@code TrainerState} bytes: parameters and optimizer state. Changing a name breaks savepoints. */
    public static final String MODEL_STATE = "model-and-optimizer";
    public static final String PENDING_BATCH_STATE = "pending-batch";
    public static final String COUNTERS_STATE = "counters";
    /** The open epoch-window, as JSON bytes (see {@link EpochWindow}). */
    public static final String WINDOW_STATE = "epoch-window";
    /** Epochs announced so far, for retention, as JSON bytes (see {@link CommittedEpoch}). */
    public static final String COMMITTED_STATE = "committed-epochs";
    /** The run's attempt (lineage), raised by a rollback; kept so that a later plain restore keeps it. */
    public static final String ATTEMPT_STATE = "run-attempt";

    /** One {@link EventRecord} per committed epoch-window, for the exactly-once event sink. */
    public static final OutputTag<EventRecord> CHECKPOINT_EVENTS =
            new OutputTag<>("checkpoint-events", TypeInformation.of(EventRecord.class));

    private static final ObjectMapper JSON = new ObjectMapper();

    private final ModelSpec spec;
    private final long reportEverySamples;
    private final EpochPolicy epochPolicy;
    /** Null: no artifacts (operator tests). */
    private final ArtifactSettings artifacts;
    private final RetentionPolicy retention;
    /** How many completed checkpoints Flink retains: their epochs are kept for rollbacks. */
    private final int retainedCheckpoints;
    private final RunLineage lineage;

    private transient DjlTrainer trainer;
    private transient BatchBuffer batch;
    private transient TrainingCounters counters;
    private transient ListState<byte[]> modelState;
    private transient ListState<byte[]> pendingState;
    private transient ListState<TrainingCounters> countersState;
    private transient ListState<byte[]> windowState;
    private transient EpochWindow window;
    private transient long windowStartNanos;
    private transient ArtifactWriter writer;
    private transient S3Client s3Client;
    private transient ExecutorService uploads;
    private transient List<Pending> inFlight;
    private transient ListState<byte[]> committedState;
    private transient List<CommittedEpoch> committed;
    private transient Set<Long> deletionsInFlight;
    private transient ListState<Integer> attemptState;
    private transient int attempt;

    private transient Counter samplesMetric;
    private transient Counter batchesMetric;
    private transient volatile double lastMeanLoss = Double.NaN;
    private transient long reportStartNanos;
    private transient long reportStartSamples;

    /** Without artifacts or events: the model and its reports only. */
    public ModelTrainerOperator(ModelSpec spec, long reportEverySamples) {
        this(spec, reportEverySamples, EpochPolicy.everySamples(Long.MAX_VALUE), null, RetentionPolicy.keepAll(), 1);
    }

    public ModelTrainerOperator(ModelSpec spec, long reportEverySamples, EpochPolicy epochPolicy,
                                ArtifactSettings artifacts, RetentionPolicy retention, int retainedCheckpoints) {
        this(spec, reportEverySamples, epochPolicy, artifacts, retention, retainedCheckpoints, RunLineage.firstAttempt());
    }

    public ModelTrainerOperator(ModelSpec spec, long reportEverySamples, EpochPolicy epochPolicy,
                                ArtifactSettings artifacts, RetentionPolicy retention, int retainedCheckpoints,
                                RunLineage lineage) {
        if (reportEverySamples <= 0) {
            throw new IllegalArgumentException("reportEverySamples must be positive, got " + reportEverySamples);
        }
        this.spec = spec;
        this.reportEverySamples = reportEverySamples;
        this.epochPolicy = epochPolicy;
        this.artifacts = artifacts;
        this.retention = retention;
        this.retainedCheckpoints = Math.max(1, retainedCheckpoints);
        this.lineage = lineage;
    }

    /** Work on the background thread whose event is emitted at the next checkpoint barrier. */
    private interface Pending {
        CheckpointEvent await(Long checkpointId) throws IOException, InterruptedException;
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        TypeInformation<byte[]> bytes = PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO;
        modelState = context.getOperatorStateStore().getListState(new ListStateDescriptor<>(MODEL_STATE, bytes));
        pendingState = context.getOperatorStateStore().getListState(new ListStateDescriptor<>(PENDING_BATCH_STATE, bytes));
        countersState = context.getOperatorStateStore().getListState(
                new ListStateDescriptor<>(COUNTERS_STATE, TrainingCounters.class));
        windowState = context.getOperatorStateStore().getListState(new ListStateDescriptor<>(WINDOW_STATE, bytes));
        byte[] savedWindow = single(windowState.get(), WINDOW_STATE);
        window = savedWindow == null ? EpochWindow.first() : JSON.readValue(savedWindow, EpochWindow.class);
        inFlight = new ArrayList<>();
        committedState = context.getOperatorStateStore().getListState(new ListStateDescriptor<>(COMMITTED_STATE, bytes));
        byte[] savedCommitted = single(committedState.get(), COMMITTED_STATE);
        committed = savedCommitted == null ? new ArrayList<>()
                : new ArrayList<>(List.of(JSON.readValue(savedCommitted, CommittedEpoch[].class)));
        deletionsInFlight = new HashSet<>();
        attemptState = context.getOperatorStateStore().getListState(new ListStateDescriptor<>(ATTEMPT_STATE, Integer.class));
        Integer savedAttempt = single(attemptState.get(), ATTEMPT_STATE);
        attempt = Math.max(lineage.attempt(), savedAttempt == null ? 1 : savedAttempt);

        batch = new BatchBuffer(spec.batchSize(), spec.inputDim(), labelWidth(spec));
        byte[] saved = single(modelState.get(), MODEL_STATE);
        if (saved != null) {
            trainer = DjlTrainer.restore(spec, TrainerState.fromBytes(saved));
            byte[] pending = single(pendingState.get(), PENDING_BATCH_STATE);
            if (pending != null) {
                batch.restore(pending);
            }
            counters = single(countersState.get(), COUNTERS_STATE);
            LOG.info("trainer restored: {} samples trained, {} pending, attempt {}, on {}", counters.samplesTrained,
                    batch.rows(), attempt, trainer.deviceDescription());
        } else {
            trainer = DjlTrainer.create(spec);
            counters = new TrainingCounters();
            LOG.info("trainer started fresh on {}", trainer.deviceDescription());
        }
    }

    @Override
    public void open() throws Exception {
        super.open();
        samplesMetric = getMetricGroup().counter("samplesTrained");
        batchesMetric = getMetricGroup().counter("batches");
        getMetricGroup().meter("samplesPerSecond", new MeterView(samplesMetric));
        getMetricGroup().gauge("meanLoss", () -> lastMeanLoss);
        reportStartNanos = System.nanoTime();
        reportStartSamples = counters.samplesTrained;
        windowStartNanos = reportStartNanos;
        if (artifacts != null) {
            s3Client = artifacts.clientOrNull();
            writer = artifacts.writer(s3Client);
            uploads = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "artifact-writer " + artifacts.layout().modelPrefix());
                t.setDaemon(true);
                return t;
            });
        }
    }

    @Override
    public void processElement(StreamRecord<Sample> element) throws Exception {
        Sample s = element.getValue();
        if (epochPolicy.byEventTime() && window.endMillis == Long.MIN_VALUE) {
            window.endMillis = windowEndFor(s.eventTimeMillis);
        }
        if (batch.add(s)) {
            trainFullBatch();
        }
    }

    private long windowEndFor(long eventTime) {
        long span = epochPolicy.spanMillis();
        return Math.floorDiv(eventTime, span) * span + span;
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        if (epochPolicy.byEventTime()) {
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
        if (counters.samplesTrained - counters.samplesAtLastReport >= reportEverySamples) {
            output.collect(new StreamRecord<>(report(false)));
        }
        if (!epochPolicy.byEventTime() && window.samples >= epochPolicy.samples()) {
            closeWindow();
        }
    }

    /** Copies the weights off the device now; the upload runs in the background. */
    private void closeWindow() {
        long now = System.nanoTime();
        if (writer != null) {
            TrainerState state = trainer.snapshot();
            double seconds = Math.max(1e-9, (now - windowStartNanos) / 1e9);
            EpochArtifact artifact = new EpochArtifact(spec, state, window.epoch, window.samples, window.offsetRanges(),
                    window.eventTimeRange(), new Manifest.Metrics(window.lossSum / Math.max(1, window.batches),
                    window.samples / seconds), getRuntimeContext().getJobInfo().getJobId().toString(), attempt);
            long epoch = window.epoch;
            long samplesTotal = counters.samplesTrained;
            Future<ArtifactResult> upload = uploads.submit(() -> writer.write(artifact));
            inFlight.add(checkpointId -> {
                ArtifactResult result = await(upload, "writing the artifact of epoch " + epoch);
                committed.add(new CommittedEpoch(epoch, result.manifest().metrics().meanLoss(), checkpointId));
                LOG.info("epoch {} written to {} ({} bytes in {} ms); its event commits with checkpoint {}", epoch,
                        result.manifestUri(), result.bytesWritten(), result.millis(),
                        checkpointId == null ? "(final)" : checkpointId);
                return CheckpointEvent.committed(result, samplesTotal, checkpointId, checkpointPath(checkpointId), attempt);
            });
        }
        window = window.next(epochPolicy.spanMillis());
        windowStartNanos = now;
    }

    private String checkpointPath(Long checkpointId) {
        return lineage.checkpointPath(getRuntimeContext().getJobInfo().getJobId().toString(), checkpointId);
    }

    private static <T> T await(Future<T> future, String what) throws IOException, InterruptedException {
        try {
            return future.get();
        } catch (ExecutionException e) {
            throw new IOException(what + " failed: " + e.getCause().getMessage(), e.getCause());
        }
    }

    /**
     * Waits for the background work (uploads, retention deletions) and emits its events; they
     * commit with {@code checkpointId}. Then starts the deletions retention asks for; those are
     * announced at the next barrier (and redone after a restore if that never happened).
     */
    private void announceWrittenWindows(Long checkpointId) throws IOException, InterruptedException {
        for (Pending p : inFlight) {
            output.collect(CHECKPOINT_EVENTS, new StreamRecord<>(EventRecord.of(p.await(checkpointId))));
        }
        inFlight.clear();
        if (writer != null && !retention.keepsAll()) {
            startRetentionDeletions(checkpointId);
        }
    }

    private void startRetentionDeletions(Long checkpointId) {
        List<RetentionPolicy.Epoch> live = new ArrayList<>();
        for (CommittedEpoch c : committed) {
            if (!c.deleted && !deletionsInFlight.contains(c.epoch)) {
                live.add(new RetentionPolicy.Epoch(c.epoch, c.meanLoss));
            }
        }
        for (long epoch : retention.toDelete(live, protectedEpochs())) {
            deletionsInFlight.add(epoch);
            ArtifactDeleter deleter = new ArtifactDeleter(artifacts.layout());
            Future<?> deletion = uploads.submit(() -> {
                deleter.delete(epoch);
                return null;
            });
            long samplesTotal = counters.samplesTrained;
            String folder = artifacts.layout().uri(artifacts.layout().epochPrefix(epoch)).toString();
            String jobId = getRuntimeContext().getJobInfo().getJobId().toString();
            inFlight.add(cp -> {
                await(deletion, "deleting the artifact of epoch " + epoch);
                for (CommittedEpoch c : committed) {
                    if (c.epoch == epoch) {
                        c.deleted = true;
                    }
                }
                deletionsInFlight.remove(epoch);
                LOG.info("retention ({}): deleted epoch {} at {}", retention.describe(), epoch, folder);
                return CheckpointEvent.deleted(artifacts.experiment(), artifacts.run(), artifacts.model(), epoch, folder,
                        samplesTotal, cp, checkpointPath(cp), jobId, attempt);
            });
        }
    }

    /**
     * Never deleted: the newest epoch (what {@code latest} names) and, for each of the last
     * {@code retainedCheckpoints} checkpoints that announced epochs, the newest epoch it announced
     * — what a rollback to a retained checkpoint would make {@code latest} again.
     */
    private Set<Long> protectedEpochs() {
        Set<Long> keep = new HashSet<>();
        List<Long> checkpoints = committed.stream().map(c -> c.checkpointId).filter(java.util.Objects::nonNull)
                .distinct().sorted(java.util.Comparator.reverseOrder()).limit(retainedCheckpoints + 1L).toList();
        committed.stream().mapToLong(c -> c.epoch).max().ifPresent(keep::add);
        for (Long cp : checkpoints) {
            committed.stream().filter(c -> cp.equals(c.checkpointId)).mapToLong(c -> c.epoch).max().ifPresent(keep::add);
        }
        return keep;
    }

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        super.prepareSnapshotPreBarrier(checkpointId);
        announceWrittenWindows(checkpointId);
    }

    private TrainingReport report(boolean last) {
        TrainingReport r = new TrainingReport();
        r.samplesTrained = counters.samplesTrained;
        r.batches = counters.batches;
        r.meanLoss = counters.batchesSinceReport == 0 ? Double.NaN : counters.lossSinceReport / counters.batchesSinceReport;
        long now = System.nanoTime();
        r.samplesPerSecond = (counters.samplesTrained - reportStartSamples) / Math.max(1e-9, (now - reportStartNanos) / 1e9);
        r.pendingSamples = batch.rows();
        r.last = last;
        r.device = trainer.deviceDescription();
        if (last) {
            r.state = trainer.snapshot().toBytes();
            r.stateSha256 = sha256(r.state);
        }
        if (!Double.isNaN(r.meanLoss)) {
            lastMeanLoss = r.meanLoss;
        }
        counters.lossSinceReport = 0;
        counters.batchesSinceReport = 0;
        counters.samplesAtLastReport = counters.samplesTrained;
        reportStartNanos = now;
        reportStartSamples = counters.samplesTrained;
        return r;
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        // Copies the weights off the device; the copy is what the checkpoint holds.
        modelState.update(List.of(trainer.snapshot().toBytes()));
        pendingState.update(List.of(batch.toBytes()));
        countersState.update(List.of(counters));
        windowState.update(List.of(JSON.writeValueAsBytes(window)));
        committedState.update(List.of(JSON.writeValueAsBytes(committed)));
        attemptState.update(List.of(attempt));
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
            announceWrittenWindows(null);
        } while (!inFlight.isEmpty());
        output.collect(new StreamRecord<>(report(true)));
    }

    @Override
    public void close() throws Exception {
        try {
            if (uploads != null) {
                uploads.shutdownNow();
                // an upload must not land (and move `latest`) after the job is reported cancelled: a
                // rollback writes `latest` as soon as the job it stopped is gone
                try {
                    if (!uploads.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS)) {
                        LOG.warn("an artifact upload is still running after 30 s; the job ends without waiting for it");
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (s3Client != null) {
                s3Client.close();
            }
            if (trainer != null) {
                trainer.close();
                trainer = null;
            }
        } finally {
            super.close();
        }
    }

    static int labelWidth(ModelSpec spec) {
        return spec.loss() == ModelSpec.Loss.SOFTMAX_CROSS_ENTROPY ? 1 : spec.outputDim();
    }

    private static <T> T single(Iterable<T> values, String name) {
        T found = null;
        for (T v : values) {
            if (found != null) {
                throw new IllegalStateException("operator state '" + name + "' holds more than one entry: the trainer "
                        + "must run with parallelism 1");
            }
            found = v;
        }
        return found;
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
