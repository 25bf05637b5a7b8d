package dev.streamtrain.rollback;

import dev.streamtrain.events.CheckpointEvent;
import dev.streamtrain.rollback.RollbackRefused.Reason;
import dev.streamtrain.store.LatestPointer;
import dev.streamtrain.store.RunKey;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.flink.api.common.JobID;
import org.apache.kafka.common.KafkaException;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * Carries out a {@link RollbackPlan}, step by step: {@link #stopWithSavepoint}, {@link #moveLatest},
 * {@link #publishRolledBack}, {@link #resubmit} — or {@link #undoStop} when Flink subsumed the restore
 * point while the job was being stopped. A failure after the stop is {@link Reason#FAILED_AFTER_STOP}
 * and names the savepoint, the way forward.
 */
public final class RollbackExecutor {
    private static final Set<String> SETTLED = Set.of("RUNNING", "FINISHED", "FAILED", "CANCELED");

    private final FlinkJobs flink;
    private final RunEvents events;
    private final RollbackStore store;
    private final RestartableJob job;
    private final Duration timeout;
    private final Consumer<String> progress;

    /**
     * @param timeout  for each step: savepoint, cancel, reading and publishing events, restart
     * @param progress one line per step, for the user
     */
    public RollbackExecutor(
            FlinkJobs flink,
            RunEvents events,
            RollbackStore store,
            RestartableJob job,
            Duration timeout,
            Consumer<String> progress) {
        this.flink = flink;
        this.events = events;
        this.store = store;
        this.job = job;
        this.timeout = timeout;
        this.progress = progress;
    }

    public RollbackResult execute(RollbackPlan plan) throws IOException, InterruptedException {
        String savepoint = plan.stopsAJob() ? stopWithSavepoint(plan) : null;
        if (!plan.stopsAJob()) {
            progress.accept("job " + plan.previousJobId() + " is not running (" + plan.previousJobState()
                    + "): nothing to stop");
        }
        try {
            if (!store.restorable(plan.target())) {
                undoStop(plan, savepoint);
            }
            // what the stopped job committed last is now visible: the superseded epochs
            RunHistory after = RunHistory.of(events.read(RunKey.parse(plan.key()), timeout));
            List<Long> superseded = after.epochsAbove(plan.toEpoch());
            LatestPointer latest = moveLatest(plan);
            String newJob = JobID.generate().toHexString();
            int attempt = after.nextAttempt();
            List<String> args = attempt == plan.attempt()
                    ? plan.jobArguments()
                    : RollbackPlanner.jobArguments(flink, job, plan.previousJobId(), attempt);
            publishRolledBack(plan, newJob, attempt, superseded, savepoint);
            progress.accept(
                    "restarting from " + plan.target().path() + " as job " + newJob + " (attempt " + attempt + ")…");
            // an artifact restore point: no snapshot to restore, the job reads the artifact itself
            resubmit(
                    plan.jar(),
                    RollbackPlanner.withRestore(args, plan.target()),
                    plan.fromArtifact() ? null : plan.target().path(),
                    newJob);
            progress.accept(plan.key() + " rolled back to epoch " + plan.toEpoch() + "; epochs " + superseded
                    + " superseded; job " + newJob + " running");
            return new RollbackResult(
                    plan.toEpoch(),
                    attempt,
                    plan.target().path(),
                    newJob,
                    plan.previousJobId(),
                    savepoint,
                    superseded,
                    latest.manifestUri());
        } catch (IOException | SdkException | KafkaException e) {
            throw new RollbackRefused(
                    Reason.FAILED_AFTER_STOP,
                    "the rollback failed after job " + plan.previousJobId()
                            + " was stopped" + (savepoint == null ? "" : " (savepoint " + savepoint + ")") + ": "
                            + e.getMessage()
                            + ". Run the same rollback again; or go forward again with flink run -s <savepoint>");
        }
    }

    /**
     * Cancels the plan's job with a savepoint (the way forward) and waits until it stopped; returns the
     * savepoint. Cancel, not stop: Flink deletes a FINISHED job's retained checkpoints, and the restore
     * point is one of them. A savepoint that fails leaves the job as it was.
     */
    String stopWithSavepoint(RollbackPlan plan) throws IOException, InterruptedException {
        String jobId = plan.stop();
        progress.accept("cancelling job " + jobId + " with a savepoint into " + plan.savepointDir() + "…");
        String savepoint;
        try {
            savepoint = flink.cancelWithSavepoint(jobId, plan.savepointDir(), timeout);
        } catch (IOException e) {
            throw new RollbackRefused(
                    Reason.SETUP,
                    e.getMessage() + ". Nothing changed. If the job cannot take a savepoint "
                            + "because it keeps failing, cancel it (./streamtrain flink cancel " + jobId
                            + ", or PATCH /jobs/"
                            + jobId + "?mode=cancel; its retained checkpoints stay) and run the rollback again");
        }
        flink.awaitState(jobId, FlinkJobs.TERMINAL, timeout);
        progress.accept("job " + jobId + " stopped; savepoint " + savepoint);
        return savepoint;
    }

    /**
     * Flink subsumed the restore point while the job was being stopped: runs the stopped job again from
     * its savepoint, as the attempt it was, and refuses with what is restorable now.
     */
    void undoStop(RollbackPlan plan, String savepoint) throws IOException, InterruptedException {
        String resumed = JobID.generate().toHexString();
        if (savepoint != null) {
            resubmit(
                    plan.jar(),
                    RollbackPlanner.jobArguments(flink, job, plan.previousJobId(), plan.attempt() - 1),
                    savepoint,
                    resumed);
        }
        throw new RollbackRefused(
                Reason.NO_RESTORE_POINT,
                "the restore point of epoch " + plan.toEpoch() + " ("
                        + plan.target().path()
                        + ") was deleted by Flink (a newer checkpoint subsumed it) while the job was being "
                        + "stopped. Nothing changed"
                        + (savepoint == null
                                ? ""
                                : ": the job runs again from its savepoint " + savepoint + " as job " + resumed)
                        + ". Restorable now: "
                        + RollbackPlanner.restorable(
                                store, RunHistory.of(events.read(RunKey.parse(plan.key()), timeout))));
    }

    /** Points {@code latest} back at the restored epoch's manifest. */
    LatestPointer moveLatest(RollbackPlan plan) throws IOException {
        return store.pointLatestAt(URI.create(plan.latest()));
    }

    /** The {@code rolled-back} event: the restored epoch, the new job and attempt, what it supersedes and the way forward. */
    void publishRolledBack(RollbackPlan plan, String newJob, int attempt, List<Long> superseded, String savepoint)
            throws IOException {
        events.publish(
                CheckpointEvent.rolledBack(
                        plan.target().committed(),
                        newJob,
                        attempt,
                        new CheckpointEvent.Rollback(plan.target().attempt(), superseded, plan.stop(), savepoint)),
                timeout);
    }

    /** Uploads the jar, runs it from {@code restorePath} as {@code jobId}, and waits until the job runs. */
    void resubmit(Path jar, List<String> args, String restorePath, String jobId)
            throws IOException, InterruptedException {
        String jarId = flink.uploadJar(jar);
        try {
            flink.runJar(jarId, job.entryClass(), args, restorePath, jobId);
        } finally {
            flink.deleteJar(jarId);
        }
        String state = flink.awaitState(jobId, SETTLED, timeout);
        if (!"RUNNING".equals(state)) {
            throw new IOException(
                    "the job " + jobId + " restored from " + restorePath + " is " + state + ", not RUNNING");
        }
    }
}
