package dev.streamtrain.events;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.streamtrain.store.ArtifactResult;
import dev.streamtrain.store.Manifest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;

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
        Rollback rollback) {

    public static final int SCHEMA_VERSION = 1;
    public static final String EPOCH_COMMITTED = "epoch-committed";
    /** Retention deleted an epoch's artifact; {@code manifest} is null, {@code artifactUri} names the folder. */
    public static final String EPOCH_DELETED = "epoch-deleted";
    /** {@code ./streamtrain rollback} restarted the run from the restore point of {@code epoch}; see {@link Rollback}. */
    public static final String ROLLED_BACK = "rolled-back";
    /** Every type this build emits (consumers skip types they do not know). */
    public static final java.util.List<String> TYPES = java.util.List.of(EPOCH_COMMITTED, EPOCH_DELETED, ROLLED_BACK);

    /**
     * What a {@code rolled-back} event adds (null in the other types).
     *
     * @param fromAttempt      the attempt whose restore point was restored
     * @param supersededEpochs epochs committed before the rollback above {@code epoch}: their artifacts
     *                         and events no longer describe the run (the new attempt retrains them)
     * @param previousJobId    the Flink job that was stopped, or null when none was running
     * @param savepointPath    the savepoint taken when it was stopped — the way forward — or null
     */
    public record Rollback(int fromAttempt, java.util.List<Long> supersededEpochs, String previousJobId,
                           String savepointPath) {}

    private static final ObjectMapper JSON = new ObjectMapper().disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

    /** A committed epoch of attempt 1 whose checkpoint path is not known. */
    public static CheckpointEvent committed(ArtifactResult r, long samplesTotal, Long checkpointId) {
        return committed(r, samplesTotal, checkpointId, null, 1);
    }

    public static CheckpointEvent committed(ArtifactResult r, long samplesTotal, Long checkpointId, String checkpointPath,
                                            int attempt) {
        Manifest m = r.manifest();
        String folder = r.manifestUri().toString();
        folder = folder.substring(0, folder.lastIndexOf('/') + 1);
        return new CheckpointEvent(SCHEMA_VERSION, EPOCH_COMMITTED, m.experiment(), m.run(), m.model(), m.epoch(),
                folder, r.manifestUri().toString(), r.modelUri().toString(), r.versionId(), r.modelBytes(),
                r.modelSha256(), samplesTotal, checkpointId, m.flinkJobId(), attempt, checkpointPath,
                Instant.now().toString(), m, null);
    }

    public static CheckpointEvent deleted(String experiment, String run, String model, long epoch, String artifactUri,
                                          long samplesTotal, Long checkpointId, String flinkJobId) {
        return deleted(experiment, run, model, epoch, artifactUri, samplesTotal, checkpointId, null, flinkJobId, 1);
    }

    public static CheckpointEvent deleted(String experiment, String run, String model, long epoch, String artifactUri,
                                          long samplesTotal, Long checkpointId, String checkpointPath, String flinkJobId,
                                          int attempt) {
        return new CheckpointEvent(SCHEMA_VERSION, EPOCH_DELETED, experiment, run, model, epoch, artifactUri, null, null,
                null, 0, null, samplesTotal, checkpointId, flinkJobId, attempt, checkpointPath, Instant.now().toString(),
                null, null);
    }

    /**
     * The run was restarted from {@code restored} (the committed event of the epoch rolled back to) as
     * job {@code newJobId}, attempt {@code newAttempt}. The event repeats the restored epoch's artifact,
     * which {@code latest} names again.
     */
    public static CheckpointEvent rolledBack(CheckpointEvent restored, String newJobId, int newAttempt, Rollback rollback) {
        return new CheckpointEvent(SCHEMA_VERSION, ROLLED_BACK, restored.experiment(), restored.run(), restored.model(),
                restored.epoch(), restored.artifactUri(), restored.manifestUri(), restored.modelUri(), restored.versionId(),
                restored.modelSizeBytes(), restored.modelSha256(), restored.samplesTotal(), restored.checkpointId(),
                newJobId, newAttempt, restored.checkpointPath(), Instant.now().toString(), restored.manifest(), rollback);
    }

    /** The lineage: events written before attempts existed read as 0 and belong to attempt 1. */
    public int lineage() {
        return Math.max(1, attempt);
    }

    /** The Kafka key: one partition per model keeps its events in order. */
    public String key() {
        return experiment + "/" + run + "/" + model;
    }

    public byte[] toJson() {
        try {
            return JSON.writeValueAsBytes(this);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static CheckpointEvent fromJson(byte[] json) throws IOException {
        return JSON.copy().configure(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
                .readValue(json, CheckpointEvent.class);
    }
}
