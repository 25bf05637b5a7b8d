package dev.streamtrain.rollback;

import dev.streamtrain.events.CheckpointEvent;

/**
 * A Flink snapshot that restores a run's model as it was at one epoch: the checkpoint that made the
 * epoch's event visible, or the savepoint a rollback took of the job it stopped.
 *
 * @param epoch     the newest epoch the snapshot holds
 * @param attempt   the lineage it belongs to
 * @param path      the snapshot directory ({@code …/chk-N} or {@code …/savepoint-…}), for {@code flink run -s}
 * @param committed the epoch's committed event (checkpoints only; null for savepoints)
 */
public record RestorePoint(
        Kind kind,
        long epoch,
        int attempt,
        String path,
        Long checkpointId,
        String flinkJobId,
        CheckpointEvent committed) {

    public enum Kind {
        CHECKPOINT,
        SAVEPOINT
    }

    /** The restore point that made {@code e} visible. */
    static RestorePoint of(CheckpointEvent e) {
        return new RestorePoint(
                Kind.CHECKPOINT, e.epoch(), e.lineage(), e.checkpointPath(), e.checkpointId(), e.flinkJobId(), e);
    }

    /** The way-forward savepoint a rollback event names: the job it stopped, at the newest epoch that job had committed. */
    static RestorePoint forwardSavepoint(CheckpointEvent rolledBack, long epoch, int attempt) {
        return new RestorePoint(
                Kind.SAVEPOINT,
                epoch,
                attempt,
                rolledBack.rollback().savepointPath(),
                null,
                rolledBack.rollback().previousJobId(),
                null);
    }

    /** The Flink file that must exist for the snapshot to restore. */
    public String metadataPath() {
        return path.endsWith("/") ? path + "_metadata" : path + "/_metadata";
    }
}
