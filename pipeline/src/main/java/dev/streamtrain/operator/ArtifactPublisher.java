package dev.streamtrain.operator;

import dev.streamtrain.eval.EvalSettings;
import dev.streamtrain.eval.PromotionGate;
import dev.streamtrain.eval.TaskMetrics;
import dev.streamtrain.events.CheckpointEvent;
import dev.streamtrain.store.ArtifactDeleter;
import dev.streamtrain.store.ArtifactResult;
import dev.streamtrain.store.ArtifactSettings;
import dev.streamtrain.store.ArtifactWriter;
import dev.streamtrain.store.EpochArtifact;
import dev.streamtrain.store.HoldoutMetrics;
import dev.streamtrain.store.Manifest;
import dev.streamtrain.store.ObjectSink;
import dev.streamtrain.store.PrequentialMetrics;
import dev.streamtrain.store.WarmStart;
import dev.streamtrain.trainer.ModelSpec;
import dev.streamtrain.trainer.RunLineage;
import dev.streamtrain.trainer.TrainerState;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Writes the epoch artifacts and carries out retention on one background thread, so training never
 * waits for the object store, and turns the finished work into {@link CheckpointEvent}s when the
 * operator asks for them (just before a checkpoint barrier, or at the end of input).
 *
 * <p>Failures: {@link #announce} rethrows a failed write or deletion on the task thread. A failure
 * is also recorded as soon as it happens, and {@link #checkAsyncException} (called by the operator
 * for every sample) rethrows it, so the job fails on the next sample instead of training on until
 * the next barrier — the way flink-connector-kafka's {@code KafkaWriter} surfaces a failed send.
 *
 * <p>Threads: every method except the background work itself runs on the task thread. The {@link
 * EpochLedger} is touched only from {@link #announce}, on the task thread.
 */
public final class ArtifactPublisher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ArtifactPublisher.class);

    private final ArtifactSettings artifacts;
    private final ModelSpec spec;
    private final RunLineage lineage;
    private final EvalSettings eval;
    private final PromotionGate promotionGate;
    private final EpochLedger ledger;
    private final String jobId;
    private final int attempt;
    private final S3Client stableKeyClient;
    private final ArtifactWriter writer;
    private final ArtifactDeleter deleter;
    private final ObjectSink sink;
    private final ExecutorService background;
    /** Submitted work, in order; each becomes one event at the next announcement. */
    private final List<Pending> pending = new ArrayList<>();
    /** The first background failure, for {@link #checkAsyncException}. */
    private final AtomicReference<IOException> asyncFailure = new AtomicReference<>();

    /** Work on the background thread whose event is emitted at the next announcement. */
    private interface Pending {
        CheckpointEvent await(Long checkpointId) throws IOException, InterruptedException;
    }

    /**
     * Opens the writer (and, in versioned mode, the S3 client for the stable key) and the
     * background thread.
     *
     * @param jobId   the Flink job id, for the manifests and events
     * @param attempt the run's attempt as restored, for the manifests and events
     */
    public ArtifactPublisher(TrainerSettings settings, EpochLedger ledger, String jobId, int attempt) {
        this.artifacts = settings.artifacts();
        this.spec = settings.spec();
        this.lineage = settings.lineage();
        this.eval = settings.eval();
        this.promotionGate = settings.promotion();
        this.ledger = ledger;
        this.jobId = jobId;
        this.attempt = attempt;
        this.stableKeyClient = artifacts.clientOrNull();
        this.sink = settings.objectSink();
        this.writer = artifacts.writer(stableKeyClient, sink).withInitFrom(WarmStart.parentOf(settings.warmStart()));
        this.deleter = artifacts.deleter(settings.objectSink());
        String threadName = "artifact-writer " + artifacts.layout().modelPrefix();
        this.background = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            // below the task thread: serializing and hashing a snapshot must not delay training steps
            // (a hint only: Linux ignores Java priorities unless -XX:ThreadPriorityPolicy=1 runs as root)
            t.setPriority(Thread.MIN_PRIORITY);
            return t;
        });
    }

    /** Rethrows, on the task thread, the first write or deletion that failed in the background. */
    public void checkAsyncException() throws IOException {
        IOException failure = asyncFailure.get();
        if (failure != null) {
            throw new IOException(failure.getMessage(), failure);
        }
    }

    /**
     * Starts writing a closed window's artifact.
     *
     * @param state        the weights, already copied off the device
     * @param seconds      how long the window trained, for its throughput
     * @param samplesTotal samples trained so far in the run, for the event
     * @param eventTimeLagMillis the window's close time minus its newest event time, or null
     * @param device       the device the window trained on
     * @param resume       what a restore from the artifact needs beyond its files
     * @param holdout      the window's holdout metrics, or null when it had no holdout rows
     * @param promotion    whether {@code latest} moves to the epoch, and why
     */
    public void publish(
            EpochWindow window,
            TrainerState state,
            double seconds,
            long samplesTotal,
            Long eventTimeLagMillis,
            String device,
            Manifest.Resume resume,
            TaskMetrics holdout,
            PromotionGate.Verdict promotion)
            throws IOException {
        checkAsyncException();
        // an ungated promotion (mode always) leaves the manifest and event as they were before gating
        boolean gated = !promotionGate.always();
        long epoch = window.epoch;
        EpochArtifact artifact = new EpochArtifact(
                spec,
                state,
                epoch,
                window.samples,
                window.offsetRanges(),
                window.eventTimeRange(),
                metrics(window, seconds, holdout),
                jobId,
                attempt,
                eventTimeLagMillis,
                device,
                resume,
                gated ? promotion.promoted() : null,
                gated ? promotion.reason() : null);
        boolean promoted = promotion.promoted();
        String what = "writing the artifact of epoch " + epoch;
        Future<ArtifactResult> upload = background.submit(recordingFailure(what, () -> writer.write(artifact)));
        pending.add(checkpointId -> {
            ArtifactResult result = await(upload, what);
            ledger.committed(epoch, result.manifest().metrics().meanLoss(), checkpointId, promoted);
            LOG.info(
                    "epoch {} written to {} ({} bytes in {} ms); its event commits with checkpoint {}",
                    epoch,
                    result.manifestUri(),
                    result.bytesWritten(),
                    result.millis(),
                    checkpointId == null ? "(final)" : checkpointId);
            return CheckpointEvent.epochCommitted(result)
                    .samplesTotal(samplesTotal)
                    .checkpoint(checkpointId, lineage.checkpointPath(jobId, checkpointId))
                    .attempt(attempt)
                    .build();
        });
    }

    /** The manifest's metrics; the evaluation's only when it is on, so manifests without it keep their bytes. */
    private Manifest.Metrics metrics(EpochWindow window, double seconds, TaskMetrics holdout) {
        double meanLoss = window.lossSum / Math.max(1, window.batches);
        double samplesPerSecond = window.samples / seconds;
        boolean evaluating = eval.split().enabled() || eval.detectsDrift();
        if (!evaluating && holdout == null) {
            return new Manifest.Metrics(meanLoss, samplesPerSecond);
        }
        HoldoutMetrics scored =
                holdout == null ? null : HoldoutMetrics.of(holdout.samples(), holdout.loss(), holdout.values());
        return new Manifest.Metrics(
                meanLoss, samplesPerSecond, scored, new PrequentialMetrics(meanLoss, window.samples));
    }

    /** Queues the {@code drift-detected} event of a signal, after the events of the windows closed before it. */
    public void driftDetected(DriftSignal signal, long samplesTotal) {
        CheckpointEvent.Drift drift = new CheckpointEvent.Drift(
                CheckpointEvent.Drift.PAGE_HINKLEY,
                signal.statistic(),
                eval.drift().threshold(),
                eval.drift().delta(),
                signal.batches(),
                signal.loss(),
                signal.batchOffsets());
        pending.add(checkpointId -> CheckpointEvent.driftDetected(artifacts.key(), signal.epoch(), drift)
                .samplesTotal(samplesTotal)
                .checkpoint(checkpointId, lineage.checkpointPath(jobId, checkpointId))
                .flinkJobId(jobId)
                .attempt(attempt)
                .build());
    }

    /**
     * Queues the {@code diverged} event of an ended episode, after the events of the windows closed
     * before it.
     */
    public void diverged(DivergenceEpisode episode, long samplesTotal) {
        long restored = episode.restoredEpoch;
        String folder = restored < 1
                ? null
                : artifacts
                        .layout()
                        .uri(artifacts.layout().epochPrefix(restored))
                        .toString();
        CheckpointEvent.Divergence divergence = new CheckpointEvent.Divergence(
                episode.trigger,
                episode.loss,
                episode.runningMean,
                episode.firings,
                episode.skippedSamples,
                episode.skippedOffsetRanges(),
                episode.discardedSamples);
        pending.add(checkpointId -> CheckpointEvent.diverged(artifacts.key(), restored, folder, divergence)
                .samplesTotal(samplesTotal)
                .checkpoint(checkpointId, lineage.checkpointPath(jobId, checkpointId))
                .flinkJobId(jobId)
                .attempt(attempt)
                .build());
    }

    /**
     * Waits for the background work and hands its events, in the order it was started, to {@code
     * emit}; they commit with {@code checkpointId} (null: end of input). Then starts the deletions
     * retention asks for; those are announced next time (and redone after a restore if that never
     * happened).
     */
    public void announce(Long checkpointId, long samplesTotal, Consumer<CheckpointEvent> emit)
            throws IOException, InterruptedException {
        for (Pending p : pending) {
            emit.accept(p.await(checkpointId));
        }
        pending.clear();
        for (long epoch : ledger.startDeletions()) {
            startDeletion(epoch, samplesTotal);
        }
    }

    /** Whether work is waiting to be announced (deletions started by the last announcement). */
    public boolean hasPending() {
        return !pending.isEmpty();
    }

    private void startDeletion(long epoch, long samplesTotal) {
        String what = "deleting the artifact of epoch " + epoch;
        Future<Void> deletion = background.submit(recordingFailure(what, () -> {
            deleter.delete(epoch);
            return null;
        }));
        String folder =
                artifacts.layout().uri(artifacts.layout().epochPrefix(epoch)).toString();
        pending.add(checkpointId -> {
            await(deletion, what);
            ledger.deleted(epoch);
            LOG.info("retention ({}): deleted epoch {} at {}", ledger.describeRetention(), epoch, folder);
            return CheckpointEvent.epochDeleted(artifacts.key(), epoch, folder)
                    .samplesTotal(samplesTotal)
                    .checkpoint(checkpointId, lineage.checkpointPath(jobId, checkpointId))
                    .flinkJobId(jobId)
                    .attempt(attempt)
                    .build();
        });
    }

    private <T> Callable<T> recordingFailure(String what, Callable<T> work) {
        return () -> {
            try {
                return work.call();
            } catch (Exception e) {
                asyncFailure.compareAndSet(null, new IOException(what + " failed: " + e.getMessage(), e));
                throw e;
            }
        };
    }

    private static <T> T await(Future<T> future, String what) throws IOException, InterruptedException {
        try {
            return future.get();
        } catch (ExecutionException e) {
            throw new IOException(what + " failed: " + e.getCause().getMessage(), e.getCause());
        }
    }

    /**
     * Stops the background thread, waiting up to 30 s: an upload must not land (and move {@code
     * latest}) after the job is reported cancelled, since a rollback writes {@code latest} as soon
     * as the job it stopped is gone.
     */
    @Override
    public void close() {
        background.shutdownNow();
        try {
            if (!background.awaitTermination(30, TimeUnit.SECONDS)) {
                LOG.warn("an artifact upload is still running after 30 s; the job ends without waiting for it");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (stableKeyClient != null) {
                stableKeyClient.close();
            }
            if (sink instanceof AutoCloseable closeable) { // this operator's own deserialized copy
                try {
                    closeable.close();
                } catch (Exception e) {
                    LOG.warn("closing {} failed: {}", sink, e.toString());
                }
            }
        }
    }
}
