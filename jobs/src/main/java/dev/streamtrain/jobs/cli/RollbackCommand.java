package dev.streamtrain.jobs.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamtrain.events.CheckpointEvent;
import dev.streamtrain.jobs.EventTopic;
import dev.streamtrain.jobs.OnlineTrainingJob;
import dev.streamtrain.jobs.cluster.FlinkCluster;
import dev.streamtrain.jobs.config.InvalidConfigurationException;
import dev.streamtrain.jobs.config.JobArguments;
import dev.streamtrain.localstack.S3Endpoint;
import dev.streamtrain.rollback.FlinkRest;
import dev.streamtrain.rollback.RestorePoint;
import dev.streamtrain.rollback.RunHistory;
import dev.streamtrain.rollback.SnapshotProbe;
import dev.streamtrain.store.LatestMover;
import dev.streamtrain.store.LatestPointer;
import dev.streamtrain.store.S3Clients;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.apache.flink.api.common.JobID;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * {@code ./streamtrain rollback}: a run's restore points from the checkpoint-event topic, and
 * {@code --to-epoch K}: stop the running job with a savepoint, point {@code latest} back at epoch K,
 * publish a {@code rolled-back} event, and restart the job from K's restore point through Flink's
 * REST API as the next attempt.
 */
@Command(name = "rollback", mixinStandardHelpOptions = true,
        description = {"Without --to-epoch: list the restore points of a run (--key <experiment>/<run>/<model>) as the",
                "checkpoint-event topic tells them, each checked against the object store: JSON lines on stdout.",
                "With --to-epoch K: cancel the running job with a savepoint (the way forward; cancelling keeps the",
                "retained checkpoints, which stop would delete), move 'latest' back to epoch K, publish a rolled-back",
                "event naming the superseded epochs, and restart the job from K's checkpoint through Flink's REST",
                "API with its own parameters (plus any given after --) as the next attempt.",
                "Exit codes: 0 done, 1 failed after the job was stopped (the message says what is left to do),",
                "2 usage, configuration or an unreachable service, 4 no such restore point, or it no longer exists."})
final class RollbackCommand implements Callable<Integer> {
    @Option(names = "--bootstrap-servers", defaultValue = "${env:STREAMTRAIN_KAFKA}",
            description = "Kafka bootstrap servers (default: $STREAMTRAIN_KAFKA)")
    String bootstrap;

    @Option(names = "--topic", defaultValue = "model-checkpoints", description = "checkpoint-event topic (default: ${DEFAULT-VALUE})")
    String topic;

    @Option(names = "--key", required = true, description = "the run: <experiment>/<run>/<model>")
    String key;

    @Option(names = "--to-epoch", description = "roll the run back to this epoch")
    Long toEpoch;

    @Option(names = "--dry-run", description = "with --to-epoch: check everything and print the plan (one JSON line), change nothing")
    boolean dryRun;

    @Option(names = "--rest-url", defaultValue = "${env:STREAMTRAIN_FLINK_REST}",
            description = "Flink's REST API (default: $STREAMTRAIN_FLINK_REST, else the cluster of ./streamtrain cluster start)")
    String restUrl;

    @Option(names = "--jar", description = "the job jar to restart (default: jobs/target/streamtrain-jobs-*-job.jar)")
    Path jar;

    @Option(names = "--savepoint-dir", description = "where the stopped job's savepoint goes (default: the cluster's "
            + "execution.checkpointing.savepoint-dir)")
    String savepointDir;

    /** Missing parts come from the local cluster's config.yaml (./streamtrain cluster start). */
    @Mixin
    S3Options s3Options = new S3Options();

    @Option(names = "--timeout", defaultValue = "PT3M", description = "for each step: savepoint, cancel, restart (default: ${DEFAULT-VALUE})")
    Duration timeout;

    @Parameters(description = "after --: job arguments that override the stopped job's own (--key value)")
    List<String> overrides = new ArrayList<>();

    PrintStream out = System.out;
    PrintStream err = System.err;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ENTRY_CLASS = OnlineTrainingJob.class.getName();

    @Override
    public Integer call() {
        if (bootstrap == null || bootstrap.isBlank()) {
            return fail(2, "give --bootstrap-servers or set STREAMTRAIN_KAFKA");
        }
        if (key.split("/", -1).length != 3) {
            return fail(2, "--key is <experiment>/<run>/<model>, got '" + key + "'");
        }
        S3Endpoint s3 = s3Endpoint();
        RunHistory history;
        try {
            history = RunHistory.of(new EventTopic(bootstrap, topic).read(key, timeout));
        } catch (IOException | org.apache.kafka.common.KafkaException e) {
            return fail(2, "could not read the events of " + key + ": " + e.getMessage());
        }
        if (toEpoch == null) {
            return list(history, s3);
        }
        if (s3 == null) {
            return fail(2, "a rollback checks the restore point and moves 'latest': " + S3Options.MISSING);
        }
        try (S3Client client = S3Clients.create(s3)) {
            return rollBack(history, client, s3);
        } catch (RunHistory.NoRestorePoint e) {
            return fail(4, e.getMessage());
        } catch (Refused e) {
            return fail(e.code, e.getMessage());
        } catch (IOException | SdkException | org.apache.kafka.common.KafkaException e) {
            return fail(2, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fail(1, "interrupted");
        }
    }

    // ------------------------------------------------------------------ listing

    private int list(RunHistory history, S3Endpoint s3) {
        List<RestorePoint> points = history.restorePoints();
        if (points.isEmpty()) {
            err.println("streamtrain rollback: no restore points for " + key + " on '" + topic + "'");
        }
        if (s3 == null) {
            err.println("streamtrain rollback: no S3 endpoint and credentials: restore points are listed unchecked");
        }
        try (S3Client client = s3 == null ? null : S3Clients.create(s3)) {
            for (RestorePoint p : points) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("epoch", p.epoch());
                row.put("attempt", p.attempt());
                row.put("kind", p.kind().name().toLowerCase());
                row.put("path", p.path());
                row.put("status", client == null ? "unchecked" : new SnapshotProbe(client).restorable(p) ? "restorable" : "gone");
                row.put("checkpointId", p.checkpointId());
                row.put("flinkJobId", p.flinkJobId());
                if (p.committed() != null) {
                    row.put("samplesTotal", p.committed().samplesTotal());
                    row.put("meanLoss", p.committed().manifest() == null ? null : p.committed().manifest().metrics().meanLoss());
                    row.put("createdAt", p.committed().createdAt());
                } else {
                    row.put("note", "the job a rollback stopped: restore it by hand with flink run -s " + p.path());
                }
                out.println(JSON.writeValueAsString(row));
            }
            return 0;
        } catch (IOException | SdkException e) {
            return fail(2, e.getMessage());
        }
    }

    // ------------------------------------------------------------------ rollback

    private int rollBack(RunHistory history, S3Client s3, S3Endpoint endpoint) throws IOException, InterruptedException {
        // 1. everything that can refuse, before anything changes
        SnapshotProbe probe = new SnapshotProbe(s3);
        RestorePoint target = history.restorePointFor(toEpoch);
        if (!probe.restorable(target)) {
            throw new Refused(4, "the restore point of epoch " + toEpoch + " (" + target.path() + ") no longer exists: Flink "
                    + "keeps only the newest execution.checkpointing.num-retained checkpoints of a job. Restorable now: "
                    + restorable(history, probe) + " (./streamtrain rollback --key " + key + " lists them)");
        }
        CheckpointEvent restored = target.committed();
        if (history.artifactDeleted(restored) || !probe.exists(restored.manifestUri())) {
            throw new Refused(4, "the artifact of epoch " + toEpoch + " (" + restored.artifactUri() + ") was deleted by "
                    + "retention: 'latest' cannot point at it. Roll back to an epoch whose artifact is kept");
        }
        FlinkRest rest = new FlinkRest(restUrl());
        // the job to stop is the one that trains this run now, whichever job wrote the newest event
        // (a job restarted by hand has written none yet)
        List<String> active = rest.activeJobsNamed(OnlineTrainingJob.jobName(key));
        if (active.size() > 1) {
            throw new Refused(2, "jobs " + active + " all train " + key + ": cancel all but one, then roll back");
        }
        boolean running = !active.isEmpty();
        String previousJob = running ? active.get(0) : history.currentJobId();
        String state = running ? "RUNNING" : previousJob == null ? null : rest.state(previousJob).orElse("unknown to the cluster");
        List<String> args = jobArguments(rest, previousJob, endpoint, history.nextAttempt());
        Path jobJar = jobJar();
        String spDir = running ? savepointDirectory(rest) : null;
        if (dryRun) {
            Map<String, Object> plan = new LinkedHashMap<>();
            plan.put("rollBackTo", toEpoch);
            plan.put("restoreFrom", target.path());
            plan.put("attempt", history.nextAttempt());
            plan.put("stop", running ? previousJob : null);
            plan.put("savepointDir", spDir);
            plan.put("supersededSoFar", history.epochsAbove(toEpoch));
            plan.put("latest", restored.manifestUri());
            plan.put("jar", jobJar.toString());
            plan.put("jobArguments", masked(args));
            out.println(JSON.writeValueAsString(plan));
            err.println("streamtrain rollback: dry run, nothing changed");
            return 0;
        }

        // 2. stop the job, keeping the way forward
        String savepoint = null;
        if (running) {
            err.printf("streamtrain rollback: cancelling job %s with a savepoint into %s…%n", previousJob, spDir);
            try {
                savepoint = rest.cancelWithSavepoint(previousJob, spDir, timeout);
            } catch (IOException e) {
                throw new Refused(2, e.getMessage() + ". Nothing changed. If the job cannot take a savepoint because it "
                        + "keeps failing, cancel it (./streamtrain flink cancel " + previousJob + ", or PATCH /jobs/"
                        + previousJob + "?mode=cancel; its retained checkpoints stay) and run the rollback again");
            }
            rest.awaitState(previousJob, FlinkRest.TERMINAL, timeout);
            err.printf("streamtrain rollback: job %s stopped; savepoint %s%n", previousJob, savepoint);
        } else {
            err.printf("streamtrain rollback: job %s is not running (%s): nothing to stop%n", previousJob, state);
        }
        try {
            if (!probe.restorable(target)) {
                // Flink subsumed the restore point while the job was being stopped: undo the stop
                String resumed = JobID.generate().toHexString();
                if (savepoint != null) {
                    submit(rest, jobJar, jobArguments(rest, previousJob, endpoint, history.nextAttempt() - 1), savepoint,
                            resumed);
                }
                throw new Refused(4, "the restore point of epoch " + toEpoch + " (" + target.path() + ") was deleted by "
                        + "Flink (a newer checkpoint subsumed it) while the job was being stopped. Nothing changed"
                        + (savepoint == null ? "" : ": the job runs again from its savepoint " + savepoint + " as job "
                        + resumed) + ". Restorable now: " + restorable(RunHistory.of(new EventTopic(bootstrap, topic)
                        .read(key, timeout)), probe));
            }
            // 3. what the stopped job committed last is now visible: the superseded epochs
            RunHistory after = RunHistory.of(new EventTopic(bootstrap, topic).read(key, timeout));
            List<Long> superseded = after.epochsAbove(toEpoch);
            LatestPointer latest = new LatestMover(s3).pointAt(URI.create(restored.manifestUri()));
            String newJob = JobID.generate().toHexString();
            int attempt = after.nextAttempt();
            if (attempt != history.nextAttempt()) {
                args = jobArguments(rest, previousJob, endpoint, attempt);
            }
            new EventTopic(bootstrap, topic).publish(CheckpointEvent.rolledBack(restored, newJob, attempt,
                    new CheckpointEvent.Rollback(target.attempt(), superseded, running ? previousJob : null, savepoint)),
                    timeout);

            // 4. the next attempt, from the restore point
            err.printf("streamtrain rollback: restarting from %s as job %s (attempt %d)…%n", target.path(), newJob, attempt);
            submit(rest, jobJar, args, target.path(), newJob);
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("rolledBackTo", toEpoch);
            result.put("attempt", attempt);
            result.put("restoredFrom", target.path());
            result.put("flinkJobId", newJob);
            result.put("previousJobId", previousJob);
            result.put("savepointPath", savepoint);
            result.put("supersededEpochs", superseded);
            result.put("latest", latest.manifestUri());
            out.println(JSON.writeValueAsString(result));
            err.printf("streamtrain rollback: %s rolled back to epoch %d; epochs %s superseded; job %s running%n", key,
                    toEpoch, superseded, newJob);
            return 0;
        } catch (IOException | SdkException | org.apache.kafka.common.KafkaException e) {
            throw new Refused(1, "the rollback failed after job " + previousJob + " was stopped"
                    + (savepoint == null ? "" : " (savepoint " + savepoint + ")") + ": " + e.getMessage()
                    + ". Run the same rollback again; or go forward again with flink run -s <savepoint>");
        }
    }

    private static List<String> masked(List<String> args) {
        List<String> out = new ArrayList<>(args);
        for (int i = 0; i + 1 < out.size(); i++) {
            if (out.get(i).startsWith("--") && dev.streamtrain.jobs.config.JobConfig.isSecret(out.get(i))) {
                out.set(i + 1, dev.streamtrain.jobs.config.JobConfig.MASKED);
            }
        }
        return out;
    }

    /** Uploads the jar, runs it from {@code restorePath} as {@code jobId}, and waits until the job runs. */
    private void submit(FlinkRest rest, Path jobJar, List<String> args, String restorePath, String jobId)
            throws IOException, InterruptedException {
        String jarId = rest.uploadJar(jobJar);
        try {
            rest.runJar(jarId, ENTRY_CLASS, args, restorePath, jobId);
        } finally {
            rest.deleteJar(jarId);
        }
        String state = rest.awaitState(jobId, Set.of("RUNNING", "FINISHED", "FAILED", "CANCELED"), timeout);
        if (!"RUNNING".equals(state)) {
            throw new IOException("the job " + jobId + " restored from " + restorePath + " is " + state + ", not RUNNING");
        }
    }

    /** The stopped job's parameters as it reported them, secrets filled back in, then the overrides. */
    private List<String> jobArguments(FlinkRest rest, String jobId, S3Endpoint s3, int attempt) throws IOException {
        Map<String, String> reported = jobId == null ? Map.of() : rest.globalParameters(jobId).orElse(Map.of());
        if (reported.isEmpty() && overrides.isEmpty()) {
            throw new Refused(2, "the cluster at " + rest.baseUrl() + " has no parameters of job " + jobId
                    + " (not known to it, or started by an older build): give the job's arguments after --");
        }
        try {
            return JobArguments.rebuild(reported, overrides, s3, attempt);
        } catch (InvalidConfigurationException e) {
            throw new Refused(2, String.join("; ", e.problems()));
        }
    }

    private String savepointDirectory(FlinkRest rest) throws IOException {
        if (savepointDir != null) {
            return savepointDir;
        }
        return rest.clusterConfig("execution.checkpointing.savepoint-dir").orElseThrow(() -> new Refused(2,
                "the cluster has no execution.checkpointing.savepoint-dir: give --savepoint-dir s3://…"));
    }

    private String restUrl() {
        if (restUrl != null && !restUrl.isBlank()) {
            return restUrl;
        }
        FlinkCluster local = FlinkCluster.at(FlinkCluster.defaultDir());
        if (Files.isRegularFile(local.conf().resolve("config.yaml"))) {
            return local.restUrl();
        }
        throw new Refused(2, "give --rest-url (or STREAMTRAIN_FLINK_REST): no cluster of ./streamtrain cluster start in "
                + local.dir());
    }

    private Path jobJar() throws IOException {
        if (jar != null) {
            if (!Files.isRegularFile(jar)) {
                throw new Refused(2, "--jar " + jar + " does not exist");
            }
            return jar;
        }
        Path target = FlinkCluster.home().resolve("jobs").resolve("target");
        if (Files.isDirectory(target)) {
            try (DirectoryStream<Path> jars = Files.newDirectoryStream(target, "streamtrain-jobs-*-job.jar")) {
                for (Path p : jars) {
                    return p;
                }
            }
        }
        throw new Refused(2, "no job jar in " + target + ": build it (./streamtrain build) or give --jar");
    }

    /** Flags, else the AWS_* environment, else the local cluster's config.yaml. */
    private S3Endpoint s3Endpoint() {
        FlinkCluster local = FlinkCluster.at(FlinkCluster.defaultDir());
        return s3Options.resolve(Files.isRegularFile(local.conf().resolve("config.yaml"))
                ? local.configuration().toMap() : Map.of());
    }

    private static String restorable(RunHistory history, SnapshotProbe probe) {
        List<Long> epochs = probe.restorableEpochs(history);
        return epochs.isEmpty() ? "none" : "epochs " + epochs;
    }

    private int fail(int code, String message) {
        err.println("streamtrain rollback: " + message);
        return code;
    }

    /** A refusal or failure with its exit code; the message says what to do. */
    private static final class Refused extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final int code;

        Refused(int code, String message) {
            super(message);
            this.code = code;
        }
    }
}
