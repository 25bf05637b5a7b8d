package dev.streamtrain.rollback;

import dev.streamtrain.events.CheckpointEvent;

/**
 * What restores a run's model as it was at one epoch: the checkpoint that made the epoch's event
 * visible, the savepoint a rollback took of the job it stopped, or — when Flink no longer retains
 * that checkpoint — the epoch's artifact itself ({@code restore.from-artifact}).
 *
 * @param epoch     the newest epoch the snapshot holds
 * @param attempt   the lineage it belongs to
 * @param path      the snapshot directory ({@code …/chk-N} or {@code …/savepoint-…}), for {@code flink run -s};
 *                  for an artifact its epoch folder ({@code …/epoch-NNNNNN/})
 * @param committed the epoch's committed event (checkpoints and artifacts; null for savepoints)
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
        SAVEPOINT,
        ARTIFACT
    }

    /** Epoch {@code e}'s artifact as a restore point: the job starts with {@code restore.from-artifact}. */
    public static RestorePoint artifactOf(CheckpointEvent e) {
        return new RestorePoint(Kind.ARTIFACT, e.epoch(), e.lineage(), e.artifactUri(), null, e.flinkJobId(), e);
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

    /** The file that must exist for the point to restore: Flink's {@code _metadata}, an artifact's manifest. */
    public String metadataPath() {
        if (kind == Kind.ARTIFACT) {
            return committed.manifestUri();
        }
        return path.endsWith("/") ? path + "_metadata" : path + "/_metadata";
    }
}
