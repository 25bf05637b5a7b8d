package dev.streamtrain.rollback;

import dev.streamtrain.events.CheckpointEvent;
import dev.streamtrain.rollback.RollbackRefused.Reason;
import dev.streamtrain.store.RunKey;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Checks everything a rollback needs before anything changes, and returns the {@link RollbackPlan}.
 * Refusals are {@link RollbackRefused}; an unreachable service is an {@link IOException}. Nothing
 * here writes: a plan can always be thrown away.
 */
public final class RollbackPlanner {
    /** The job's key ({@code TrainingJobOptions.RESTORE_FROM_ARTIFACT}, which lives in the jobs module). */
    static final String RESTORE_KEY = "restore.from-artifact";

    private final RollbackStore store;
    private final Supplier<? extends FlinkJobs> flink;
    private final RestartableJob job;
    private final ArtifactRestoreCheck artifacts;

    /** Without artifacts as restore points: only retained checkpoints restore. */
    public RollbackPlanner(RollbackStore store, Supplier<? extends FlinkJobs> flink, RestartableJob job) {
        this(store, flink, job, null);
    }

    /**
     * @param flink asked for only after the restore point checked out, so that a missing REST address
     *              does not hide that the restore point is gone
     * @param artifacts checks an epoch's artifact when its checkpoint is gone; null: checkpoints only
     */
    public RollbackPlanner(
            RollbackStore store,
            Supplier<? extends FlinkJobs> flink,
            RestartableJob job,
            ArtifactRestoreCheck artifacts) {
        this.store = store;
        this.flink = flink;
        this.job = job;
        this.artifacts = artifacts;
    }

    /**
     * @param savepointDir where the stopped job's savepoint goes; null: the cluster's
     *                     {@code execution.checkpointing.savepoint-dir}
     */
    public RollbackPlan plan(RunKey key, RunHistory history, long toEpoch, String savepointDir) throws IOException {
        RestorePoint target;
        Map<String, Long> startOffsets = null;
        try {
            target = restorePoint(key, history, toEpoch);
        } catch (RollbackRefused checkpointGone) {
            // the fast path is gone: the epoch's artifact is the restore point, if it checks out
            if (artifacts == null || history.live(toEpoch).isEmpty()) {
                throw checkpointGone;
            }
            target = RestorePoint.artifactOf(history.live(toEpoch).orElseThrow());
            startOffsets = checkArtifact(history, target, checkpointGone);
        }
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
        List<String> args = withRestore(jobArguments(cluster, job, previousJob, history.nextAttempt()), target);
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
                job.masked(args),
                startOffsets);
    }

    /** The artifact's start offsets, or a refusal naming both why the checkpoint and the artifact fail. */
    private Map<String, Long> checkArtifact(RunHistory history, RestorePoint target, RollbackRefused checkpointGone)
            throws IOException {
        if (history.artifactDeleted(target.committed())) {
            throw checkpointGone;
        }
        try {
            return artifacts.check(target.committed().manifestUri());
        } catch (RestoreRefusedException e) {
            throw new RollbackRefused(
                    Reason.NO_RESTORE_POINT,
                    checkpointGone.getMessage() + "; and its artifact is no restore point either: " + e.getMessage());
        }
    }

    /**
     * An artifact restore point starts the job with {@code restore.from-artifact}; a snapshot one without
     * it (a value the stopped job reported is dropped: the snapshot's state would win anyway).
     */
    static List<String> withRestore(List<String> args, RestorePoint target) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            if (args.get(i).equals("--" + RESTORE_KEY) && i + 1 < args.size()) {
                i++;
            } else if (!args.get(i).startsWith("--" + RESTORE_KEY + "=")) {
                out.add(args.get(i));
            }
        }
        if (target.kind() == RestorePoint.Kind.ARTIFACT) {
            out.add("--" + RESTORE_KEY);
            out.add(target.path());
        }
        return out;
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
