package dev.streamtrain.events;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.streamtrain.store.ArtifactResult;
import dev.streamtrain.store.Manifest;
import dev.streamtrain.store.RunKey;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One event on the checkpoint-event topic (docs/events.md; JSON Schema in
 * {@code pipeline/src/main/resources/schemas/checkpoint-event.schema.json}). Keyed
 * {@code <experiment>/<run>/<model>}; read with {@code isolation.level=read_committed}.
 *
 * <p>{@code type} is {@code epoch-committed} for a window whose artifact is durable,
 * {@code epoch-deleted} when retention removed an epoch's artifact, or {@code rolled-back} when
 * {@code ./streamtrain rollback} restarted the run from the restore point of {@code epoch}. The
 * manifest is carried whole, plus where it is, the stable key's versionId and the Flink checkpoint
 * that made the event visible (null for the end-of-input checkpoint of a bounded run, whose id the
 * operator cannot know) with its path: the restore point holding the model as it was at this
 * epoch.
 *
 * <p>{@code attempt} tells lineages apart: 1 for a run as first started, and each rollback starts
 * a new, higher attempt. A {@code rolled-back} event supersedes every epoch above its {@code epoch}
 * that was committed before it; epochs committed after it carry its attempt.
 *
 * <p>{@code diverged}: the trainer's divergence guard restored the weights and optimizer state of
 * {@code epoch} (0: the initial weights) and dead-lettered the offending samples; see {@link
 * Divergence}. It supersedes nothing: no artifact was written with the diverged weights.
 *
 * <p>{@code drift-detected}: the drift detector over the prequential batch loss signalled while
 * {@code epoch} was the open window; see {@link Drift}. Detection only: it changes nothing, and its
 * {@code artifactUri} is null.
 *
 * <p>{@code promoted} and {@code promotionReason} (epoch-committed, with {@code store.promote-mode=metric}):
 * whether {@code latest} moved to the epoch and why; absent means it moved (promotion not gated).
 *
 * <p>Fields added within schemaVersion 1 ({@code divergence}, {@code eventTimeLagMillis}, {@code
 * device}, {@code drift}, {@code promoted}, {@code promotionReason}) are written only when set, so events without them keep the exact bytes of older builds.
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record CheckpointEvent(
        int schemaVersion,
        String type,
        String experiment,
        String run,
        String model,
        long epoch,
        String artifactUri,
        String manifestUri,
        String modelUri,
        String versionId,
        long modelSizeBytes,
        String modelSha256,
        long samplesTotal,
        Long checkpointId,
        String flinkJobId,
        int attempt,
        String checkpointPath,
        String createdAt,
        Manifest manifest,
        Rollback rollback,
        @JsonInclude(JsonInclude.Include.NON_NULL) Divergence divergence,
        @JsonInclude(JsonInclude.Include.NON_NULL) Long eventTimeLagMillis,
        @JsonInclude(JsonInclude.Include.NON_NULL) String device,
        @JsonInclude(JsonInclude.Include.NON_NULL) Drift drift,
        @JsonInclude(JsonInclude.Include.NON_NULL) Boolean promoted,
        @JsonInclude(JsonInclude.Include.NON_NULL) String promotionReason) {

    public static final int SCHEMA_VERSION = 1;
    public static final String EPOCH_COMMITTED = "epoch-committed";
    /** Retention deleted an epoch's artifact; {@code manifest} is null, {@code artifactUri} names the folder. */
    public static final String EPOCH_DELETED = "epoch-deleted";
    /** {@code ./streamtrain rollback} restarted the run from the restore point of {@code epoch}; see {@link Rollback}. */
    public static final String ROLLED_BACK = "rolled-back";
    /** The divergence guard restored the weights of {@code epoch} and skipped samples; see {@link Divergence}. */
    public static final String DIVERGED = "diverged";
    /** The drift detector signalled a rise of the prequential loss in the open window {@code epoch}; see {@link Drift}. */
    public static final String DRIFT_DETECTED = "drift-detected";
    /** Every type this build emits (consumers skip types they do not know). */
    public static final List<String> TYPES =
            List.of(EPOCH_COMMITTED, EPOCH_DELETED, ROLLED_BACK, DIVERGED, DRIFT_DETECTED);

    /**
     * What a {@code drift-detected} event adds (null in the other types): the Page-Hinkley test over
     * the loss of each batch before its update signalled at one batch.
     *
     * @param detector      {@code page-hinkley}
     * @param statistic     the test's statistic at the signal (m - M), above {@code threshold}
     * @param threshold     {@code eval.drift-threshold}
     * @param delta         {@code eval.drift-delta}
     * @param batches       batches the detector had seen since its start or its last signal
     * @param loss          the loss of the batch that completed the signal
     * @param batchOffsets  per "topic-partition", the first and last offset of that batch
     */
    public record Drift(
            String detector,
            double statistic,
            double threshold,
            double delta,
            long batches,
            double loss,
            Map<String, Manifest.OffsetRange> batchOffsets) {
        public static final String PAGE_HINKLEY = "page-hinkley";

        public Drift {
            batchOffsets = batchOffsets == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(batchOffsets));
        }
    }

    /**
     * What a {@code diverged} event adds (null in the other types). The event's {@code epoch} is the
     * restored one; every firing of one episode (from the first firing to the next accepted batch)
     * restored it.
     *
     * @param trigger          {@code NON_FINITE_LOSS}, {@code LOSS_SPIKE} (a loss above the multiple of the
     *                         running mean for the configured number of batches in a row) or {@code
     *                         NON_FINITE_WEIGHTS} (a window closed with non-finite weights)
     * @param loss             the loss of the batch that fired first
     * @param runningMean      the running mean of accepted batch losses then
     * @param firings          how often the guard fired in the episode
     * @param skippedSamples   samples dead-lettered with reason DIVERGED
     * @param skippedOffsets   per "topic-partition", the first and last offset dead-lettered
     * @param discardedSamples samples trained since the restored epoch that the restores took out of the
     *                         model (the skipped ones included); the others were trained, then undone
     */
    public record Divergence(
            String trigger,
            double loss,
            double runningMean,
            int firings,
            long skippedSamples,
            Map<String, Manifest.OffsetRange> skippedOffsets,
            long discardedSamples) {
        public Divergence {
            skippedOffsets =
                    skippedOffsets == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(skippedOffsets));
        }
    }

    /**
     * What a {@code rolled-back} event adds (null in the other types).
     *
     * @param fromAttempt      the attempt whose restore point was restored
     * @param supersededEpochs epochs committed before the rollback above {@code epoch}: their artifacts
     *                         and events no longer describe the run (the new attempt retrains them)
     * @param previousJobId    the Flink job that was stopped, or null when none was running
     * @param savepointPath    the savepoint taken when it was stopped — the way forward — or null
     */
    public record Rollback(int fromAttempt, List<Long> supersededEpochs, String previousJobId, String savepointPath) {}

    private static final ObjectMapper JSON = new ObjectMapper().disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);
    private static final ObjectMapper LENIENT_READER =
            JSON.copy().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    /**
     * An {@code epoch-committed} event for the artifact {@code r} wrote; the Flink job id comes
     * from its manifest. Set the samples, checkpoint and attempt, then {@link Builder#build()}.
     */
    public static Builder epochCommitted(ArtifactResult r) {
        Manifest m = r.manifest();
        Builder b = new Builder(EPOCH_COMMITTED, m.runKey(), m.epoch(), r.folderUri());
        b.manifestUri = r.manifestUri().toString();
        b.modelUri = r.modelUri().toString();
        b.versionId = r.versionId();
        b.modelSizeBytes = r.modelBytes();
        b.modelSha256 = r.modelSha256();
        b.flinkJobId = m.flinkJobId();
        b.manifest = m;
        b.eventTimeLagMillis = m.eventTimeLagMillis();
        b.device = m.device();
        b.promoted = m.promoted();
        b.promotionReason = m.promotionReason();
        return b;
    }

    /**
     * An {@code epoch-deleted} event: retention removed the folder {@code artifactUri} of {@code epoch}.
     * Set the samples, checkpoint, job and attempt, then {@link Builder#build()}.
     */
    public static Builder epochDeleted(RunKey key, long epoch, String artifactUri) {
        return new Builder(EPOCH_DELETED, key, epoch, artifactUri);
    }

    /**
     * A {@code diverged} event: the guard restored the weights of {@code restoredEpoch}, whose folder
     * is {@code artifactUri} (null for epoch 0, the initial weights, which have no artifact). Set the
     * samples, checkpoint, job and attempt, then {@link Builder#build()}.
     */
    public static Builder diverged(RunKey key, long restoredEpoch, String artifactUri, Divergence divergence) {
        Builder b = new Builder(DIVERGED, key, restoredEpoch, artifactUri);
        b.divergence = Objects.requireNonNull(divergence, "divergence");
        return b;
    }

    /**
     * A {@code drift-detected} event while {@code epoch} was the open window. Set the samples,
     * checkpoint, job and attempt, then {@link Builder#build()}.
     */
    public static Builder driftDetected(RunKey key, long epoch, Drift drift) {
        Builder b = new Builder(DRIFT_DETECTED, key, epoch, null);
        b.drift = Objects.requireNonNull(drift, "drift");
        return b;
    }

    /**
     * The run was restarted from {@code restored} (the committed event of the epoch rolled back to) as
     * job {@code newJobId}, attempt {@code newAttempt}. The event repeats the restored epoch's artifact,
     * which {@code latest} names again.
     */
    public static CheckpointEvent rolledBack(
            CheckpointEvent restored, String newJobId, int newAttempt, Rollback rollback) {
        Builder b = new Builder(ROLLED_BACK, restored.runKey(), restored.epoch(), restored.artifactUri());
        b.manifestUri = restored.manifestUri();
        b.modelUri = restored.modelUri();
        b.versionId = restored.versionId();
        b.modelSizeBytes = restored.modelSizeBytes();
        b.modelSha256 = restored.modelSha256();
        b.manifest = restored.manifest();
        b.rollback = rollback;
        return b.samplesTotal(restored.samplesTotal())
                .checkpoint(restored.checkpointId(), restored.checkpointPath())
                .flinkJobId(newJobId)
                .attempt(newAttempt)
                .build();
    }

    /** The experiment/run/model the event is about. */
    /**
     * Whether {@code latest} moved to this event's epoch: false only for an {@code epoch-committed}
     * event that says {@code promoted: false}.
     */
    public boolean movedLatest() {
        return promoted == null || promoted;
    }

    public RunKey runKey() {
        return new RunKey(experiment, run, model);
    }

    /** The lineage: events written before attempts existed read as 0 and belong to attempt 1. */
    public int lineage() {
        return Math.max(1, attempt);
    }

    /** The Kafka key, {@link RunKey} {@code <experiment>/<run>/<model>}: one partition per model keeps its events in order. */
    public String key() {
        return runKey().toString();
    }

    public byte[] toJson() {
        try {
            return JSON.writeValueAsBytes(this);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static CheckpointEvent fromJson(byte[] json) throws IOException {
        return LENIENT_READER.readValue(json, CheckpointEvent.class);
    }

    /**
     * The fields a producer sets by name: samples, the checkpoint that makes the event visible, the
     * Flink job and the attempt. The type, the run key, the epoch and the artifact come from the
     * factory that made the builder; {@code createdAt} is the time of {@link #build()}.
     */
    public static final class Builder {
        private final String type;
        private final RunKey key;
        private final long epoch;
        private final String artifactUri;
        private String manifestUri;
        private String modelUri;
        private String versionId;
        private long modelSizeBytes;
        private String modelSha256;
        private long samplesTotal;
        private Long checkpointId;
        private String checkpointPath;
        private String flinkJobId;
        private int attempt = 1;
        private Manifest manifest;
        private Rollback rollback;
        private Divergence divergence;
        private Long eventTimeLagMillis;
        private String device;
        private Drift drift;
        private Boolean promoted;
        private String promotionReason;

        private Builder(String type, RunKey key, long epoch, String artifactUri) {
            this.type = type;
            this.key = Objects.requireNonNull(key, "key");
            this.epoch = epoch;
            this.artifactUri = artifactUri;
        }

        /** Samples trained since the run started, when the event was made. */
        public Builder samplesTotal(long samplesTotal) {
            this.samplesTotal = samplesTotal;
            return this;
        }

        /**
         * The Flink checkpoint that makes the event visible: its id (null for the end-of-input
         * checkpoint of a bounded run) and path (null when not known).
         */
        public Builder checkpoint(Long checkpointId, String checkpointPath) {
            this.checkpointId = checkpointId;
            this.checkpointPath = checkpointPath;
            return this;
        }

        public Builder flinkJobId(String flinkJobId) {
            this.flinkJobId = flinkJobId;
            return this;
        }

        /** The run's lineage; 1 (the default) as first started. */
        public Builder attempt(int attempt) {
            this.attempt = attempt;
            return this;
        }

        /** The device the event's window trained on (set from the manifest by {@link #epochCommitted}). */
        public Builder device(String device) {
            this.device = device;
            return this;
        }

        public CheckpointEvent build() {
            return new CheckpointEvent(
                    SCHEMA_VERSION,
                    type,
                    key.experiment(),
                    key.run(),
                    key.model(),
                    epoch,
                    artifactUri,
                    manifestUri,
                    modelUri,
                    versionId,
                    modelSizeBytes,
                    modelSha256,
                    samplesTotal,
                    checkpointId,
                    flinkJobId,
                    attempt,
                    checkpointPath,
                    Instant.now().toString(),
                    manifest,
                    rollback,
                    divergence,
                    eventTimeLagMillis,
                    device,
                    drift,
                    promoted,
                    promotionReason);
        }
    }
}
