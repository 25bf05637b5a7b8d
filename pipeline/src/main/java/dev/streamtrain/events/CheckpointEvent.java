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
 * One event on the checkpoint-event topic (contract 2 in ARCHITECTURE.md; JSON Schema in
 * {@code pipeline/src/main/resources/schemas/checkpoint-event.schema.json}). Keyed
 * {@code <experiment>/<run>/<model>}; read with {@code isolation.level=read_committed}.
 *
 * <p>{@code type} is {@code epoch-committed} for a window whose artifact is durable, or
 * {@code epoch-deleted} when retention removed an epoch's artifact. The manifest
 * is carried whole, plus where it is, the stable key's versionId and the Flink checkpoint that
 * made the event visible (the restore point for a rollback; null for the end-of-input checkpoint
 * of a bounded run, whose id the operator cannot know).
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
        String createdAt,
        Manifest manifest) {

    public static final int SCHEMA_VERSION = 1;
    public static final String EPOCH_COMMITTED = "epoch-committed";
    /** Retention deleted an epoch's artifact; {@code manifest} is null, {@code artifactUri} names the folder. */
    public static final String EPOCH_DELETED = "epoch-deleted";

    private static final ObjectMapper JSON = new ObjectMapper().disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

    public static CheckpointEvent committed(ArtifactResult r, long samplesTotal, Long checkpointId) {
        Manifest m = r.manifest();
        String folder = r.manifestUri().toString();
        folder = folder.substring(0, folder.lastIndexOf('/') + 1);
        return new CheckpointEvent(SCHEMA_VERSION, EPOCH_COMMITTED, m.experiment(), m.run(), m.model(), m.epoch(),
                folder, r.manifestUri().toString(), r.modelUri().toString(), r.versionId(), r.modelBytes(),
                r.modelSha256(), samplesTotal, checkpointId, m.flinkJobId(), Instant.now().toString(), m);
    }

    public static CheckpointEvent deleted(String experiment, String run, String model, long epoch, String artifactUri,
                                          long samplesTotal, Long checkpointId, String flinkJobId) {
        return new CheckpointEvent(SCHEMA_VERSION, EPOCH_DELETED, experiment, run, model, epoch, artifactUri, null, null,
                null, 0, null, samplesTotal, checkpointId, flinkJobId, Instant.now().toString(), null);
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
