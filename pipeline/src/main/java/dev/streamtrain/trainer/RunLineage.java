package dev.streamtrain.trainer;

import java.io.Serializable;

/**
 * What the trainer's events say about where they stand in a run: the attempt (1 as first started,
 * higher after each rollback) and where Flink writes this job's checkpoints, so that each event can
 * name the checkpoint that restores its epoch.
 *
 * @param attempt             the lowest attempt to report; a restored higher one wins (it is state)
 * @param checkpointDirectory {@code execution.checkpointing.dir}, or null when unknown (tests)
 * @param jobSubdirectory     whether Flink puts each job's checkpoints under {@code <dir>/<job id>/}
 *                            ({@code execution.checkpointing.create-subdir}, on by default)
 */
public record RunLineage(int attempt, String checkpointDirectory, boolean jobSubdirectory) implements Serializable {
    public RunLineage {
        if (attempt < 1) {
            throw new IllegalArgumentException("the attempt starts at 1, got " + attempt);
        }
    }

    public static RunLineage firstAttempt() {
        return new RunLineage(1, null, true);
    }

    /** Flink's layout: {@code <dir>/<job id>/chk-<n>}; null when the directory or the checkpoint is unknown. */
    public String checkpointPath(String jobId, Long checkpointId) {
        if (checkpointDirectory == null || checkpointId == null) {
            return null;
        }
        String dir = checkpointDirectory.endsWith("/") ? checkpointDirectory : checkpointDirectory + "/";
        return dir + (jobSubdirectory ? jobId + "/" : "") + "chk-" + checkpointId;
    }
}
