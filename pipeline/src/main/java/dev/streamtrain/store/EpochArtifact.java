package dev.streamtrain.store;

import dev.streamtrain.trainer.ModelSpec;
import dev.streamtrain.trainer.TrainerState;
import java.util.Map;
import java.util.Objects;

/**
 * What {@link ArtifactWriter} writes for one closed epoch-window: the model and optimizer state
 * plus the provenance that goes into the manifest.
 *
 * @param state a snapshot already copied off the device (immutable; the writer only reads it)
 * @param sampleCount samples trained in this epoch-window
 * @param kafkaOffsets per {@code "topic-partition"} ({@link Manifest#partitionKey}), first and
 *     last offset trained on in this window; empty when unknown
 * @param eventTime event-time range of the window's samples, or null
 * @param metrics the window's mean loss and throughput
 * @param flinkJobId the Flink job id, or null outside Flink
 * @param attempt the run's lineage (1 as first started, higher after each rollback)
 * @param eventTimeLagMillis the window's close time minus its newest event time, or null
 * @param device the device the window trained on, or null
 * @param resume what a restore from this artifact needs beyond the files, or null
 * @param promoted whether {@code latest} moves to this epoch; null: it does, and the manifest says
 *     nothing (promotion not gated: {@code store.promote-mode=always})
 * @param promotionReason why it was or was not promoted; null with {@code promoted} null
 */
public record EpochArtifact(
        ModelSpec spec,
        TrainerState state,
        long epoch,
        long sampleCount,
        Map<String, Manifest.OffsetRange> kafkaOffsets,
        Manifest.EventTimeRange eventTime,
        Manifest.Metrics metrics,
        String flinkJobId,
        int attempt,
        Long eventTimeLagMillis,
        String device,
        Manifest.Resume resume,
        Boolean promoted,
        String promotionReason) {

    /** An artifact of attempt 1. */
    public EpochArtifact(
            ModelSpec spec,
            TrainerState state,
            long epoch,
            long sampleCount,
            Map<String, Manifest.OffsetRange> kafkaOffsets,
            Manifest.EventTimeRange eventTime,
            Manifest.Metrics metrics,
            String flinkJobId) {
        this(spec, state, epoch, sampleCount, kafkaOffsets, eventTime, metrics, flinkJobId, 1);
    }

    /** An artifact without freshness and device. */
    public EpochArtifact(
            ModelSpec spec,
            TrainerState state,
            long epoch,
            long sampleCount,
            Map<String, Manifest.OffsetRange> kafkaOffsets,
            Manifest.EventTimeRange eventTime,
            Manifest.Metrics metrics,
            String flinkJobId,
            int attempt) {
        this(spec, state, epoch, sampleCount, kafkaOffsets, eventTime, metrics, flinkJobId, attempt, null, null, null);
    }

    /** An artifact whose promotion is not gated: {@code latest} moves to it. */
    public EpochArtifact(
            ModelSpec spec,
            TrainerState state,
            long epoch,
            long sampleCount,
            Map<String, Manifest.OffsetRange> kafkaOffsets,
            Manifest.EventTimeRange eventTime,
            Manifest.Metrics metrics,
            String flinkJobId,
            int attempt,
            Long eventTimeLagMillis,
            String device,
            Manifest.Resume resume) {
        this(
                spec,
                state,
                epoch,
                sampleCount,
                kafkaOffsets,
                eventTime,
                metrics,
                flinkJobId,
                attempt,
                eventTimeLagMillis,
                device,
                resume,
                null,
                null);
    }

    /** Whether the writer moves {@code latest} to this epoch. */
    public boolean movesLatest() {
        return promoted == null || promoted;
    }

    public EpochArtifact {
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(state, "state");
        ArtifactLayout.epochFolderName(epoch); // range check, same message as the layout
        if (sampleCount < 0) {
            throw new IllegalArgumentException("sampleCount must be >= 0, got " + sampleCount);
        }
        kafkaOffsets = kafkaOffsets == null ? Map.of() : Map.copyOf(kafkaOffsets);
        Objects.requireNonNull(metrics, "metrics");
        if (attempt < 1) {
            throw new IllegalArgumentException("attempt starts at 1, got " + attempt);
        }
    }
}
