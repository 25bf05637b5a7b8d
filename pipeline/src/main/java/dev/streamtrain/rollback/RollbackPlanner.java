package dev.streamtrain.rollback;

import dev.streamtrain.events.CheckpointEvent;
import dev.streamtrain.rollback.RollbackRefused.Reason;
import dev.streamtrain.store.RunKey;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Checks everything a rollback needs before anything changes, and returns the {@link RollbackPlan}.
 * Refusals are {@link RollbackRefused}; an unreachable service is an {@link IOException}. Nothing
 * here writes: a plan can always be thrown away.
 */
public final class RollbackPlanner {
    private final RollbackStore store;
    private final Supplier<? extends FlinkJobs> flink;
    private final RestartableJob job;

    /**
     * @param flink asked for only after the restore point checked out, so that a missing REST address
     *              does not hide that the restore point is gone
     */
    public RollbackPlanner(RollbackStore store, Supplier<? extends FlinkJobs> flink, RestartableJob job) {
        this.store = store;
        this.flink = flink;
        this.job = job;
    }

    /**
     * @param savepointDir where the stopped job's savepoint goes; null: the cluster's
     *                     {@code execution.checkpointing.savepoint-dir}
     */
    public RollbackPlan plan(RunKey key, RunHistory history, long toEpoch, String savepointDir) throws IOException {
        RestorePoint target = restorePoint(key, history, toEpoch);
        FlinkJobs cluster = flink.get();
        // the job to stop is the one that trains this run now, whichever job wrote the newest event
        // (a job restarted by hand has written none yet)
        List<String> active = cluster.activeJobsNamed(job.name(key));
        if (active.size() > 1) {
            throw new RollbackRefused(
                    Reason.SETUP, "jobs " + active + " all train " + key + ": cancel all but one, then roll back");
        }
        boolean running = !active.isEmpty();
        String previousJob = running ? active.get(0) : history.currentJobId();
        String state = running
                ? "RUNNING"
                : previousJob == null ? null : cluster.state(previousJob).orElse("unknown to the cluster");
        List<String> args = jobArguments(cluster, job, previousJob, history.nextAttempt());
        Path jar = job.jar();
        String spDir = running ? savepointDirectory(cluster, savepointDir) : null;
        return new RollbackPlan(
                key.toString(),
                toEpoch,
                target,
                history.nextAttempt(),
                running ? previousJob : null,
                previousJob,
                state,
                spDir,
                history.epochsAbove(toEpoch),
                jar,
                args,
                job.masked(args));
    }

    /** Epoch {@code toEpoch}'s restore point, refused unless both it and the epoch's artifact still exist. */
    private RestorePoint restorePoint(RunKey key, RunHistory history, long toEpoch) {
        RestorePoint target;
        try {
            target = history.restorePointFor(toEpoch);
        } catch (RunHistory.NoRestorePoint e) {
            throw new RollbackRefused(Reason.NO_RESTORE_POINT, e.getMessage());
        }
        if (!store.restorable(target)) {
            throw new RollbackRefused(
                    Reason.NO_RESTORE_POINT,
                    "the restore point of epoch " + toEpoch + " (" + target.path()
                            + ") no longer exists: Flink keeps only the newest execution.checkpointing.num-retained checkpoints of "
                            + "a job. Restorable now: " + restorable(store, history) + " (./streamtrain rollback --key "
                            + key
                            + " lists them)");
        }
        CheckpointEvent restored = target.committed();
        if (history.artifactDeleted(restored) || !store.exists(restored.manifestUri())) {
            throw new RollbackRefused(
                    Reason.NO_RESTORE_POINT,
                    "the artifact of epoch " + toEpoch + " ("
                            + restored.artifactUri()
                            + ") was deleted by retention: 'latest' cannot point at it. Roll back to an "
                            + "epoch whose artifact is kept");
        }
        return target;
    }

    private static String savepointDirectory(FlinkJobs cluster, String given) throws IOException {
        if (given != null) {
            return given;
        }
        return cluster.clusterConfig("execution.checkpointing.savepoint-dir")
                .orElseThrow(() -> new RollbackRefused(
                        Reason.SETUP,
                        "the cluster has no execution.checkpointing.savepoint-dir: give --savepoint-dir s3://…"));
    }

    /** The arguments of job {@code jobId} as it reported them to the cluster, rebuilt for {@code attempt}. */
    static List<String> jobArguments(FlinkJobs cluster, RestartableJob job, String jobId, int attempt)
            throws IOException {
        Map<String, String> reported =
                jobId == null ? Map.of() : cluster.globalParameters(jobId).orElse(Map.of());
        return job.arguments(reported, attempt)
                .orElseThrow(() -> new RollbackRefused(
                        Reason.SETUP,
                        "the cluster at "
                                + cluster.baseUrl() + " has no parameters of job " + jobId
                                + " (not known to it, or started by an older "
                                + "build): give the job's arguments after --"));
    }

    /** "epochs [4, 5]" or "none", for messages. */
    static String restorable(RollbackStore store, RunHistory history) {
        List<Long> epochs = store.restorableEpochs(history);
        return epochs.isEmpty() ? "none" : "epochs " + epochs;
    }
}
