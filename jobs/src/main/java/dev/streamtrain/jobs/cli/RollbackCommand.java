package dev.streamtrain.jobs.cli;

import dev.streamtrain.events.CheckpointEvent;
import dev.streamtrain.jobs.EventTopic;
import dev.streamtrain.jobs.OnlineTrainingJobRestore;
import dev.streamtrain.jobs.cluster.FlinkCluster;
import dev.streamtrain.rollback.FlinkRest;
import dev.streamtrain.rollback.RestartableJob;
import dev.streamtrain.rollback.RestorePoint;
import dev.streamtrain.rollback.RollbackExecutor;
import dev.streamtrain.rollback.RollbackPlan;
import dev.streamtrain.rollback.RollbackPlanner;
import dev.streamtrain.rollback.RollbackRefused;
import dev.streamtrain.rollback.RollbackResult;
import dev.streamtrain.rollback.RollbackStore;
import dev.streamtrain.rollback.RunHistory;
import dev.streamtrain.rollback.S3RollbackStore;
import dev.streamtrain.rollback.SnapshotProbe;
import dev.streamtrain.store.RunKey;
import dev.streamtrain.store.S3Clients;
import dev.streamtrain.store.S3Endpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.common.KafkaException;
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
@Command(
        name = "rollback",
        mixinStandardHelpOptions = true,
        description = {
            "Without --to-epoch: list the restore points of a run (--key <experiment>/<run>/<model>) as the",
            "checkpoint-event topic tells them, each checked against the object store: JSON lines on stdout.",
            "With --to-epoch K: cancel the running job with a savepoint (the way forward; cancelling keeps the",
            "retained checkpoints, which stop would delete), move 'latest' back to epoch K, publish a rolled-back",
            "event naming the superseded epochs, and restart the job from K's checkpoint through Flink's REST",
            "API with its own parameters (plus any given after --) as the next attempt. When Flink no longer",
            "retains K's checkpoint, K's epoch artifact is the restore point (kind artifact): its sha256s and",
            "the topic's offsets are checked first, and the job starts with --restore.from-artifact.",
            "Exit codes: 0 done, 1 failed after the job was stopped (the message says what is left to do),",
            "2 usage, configuration or an unreachable service, 4 no such restore point, or it no longer exists."
        })
final class RollbackCommand implements Callable<Integer> {
    @Mixin
    KafkaClientOptions kafkaOptions = new KafkaClientOptions();

    @Option(
            names = "--topic",
            defaultValue = "model-checkpoints",
            description = "checkpoint-event topic (default: ${DEFAULT-VALUE})")
    String topic;

    @Option(names = "--key", required = true, description = "the run: <experiment>/<run>/<model>")
    String key;

    @Option(names = "--to-epoch", description = "roll the run back to this epoch")
    Long toEpoch;

    @Option(
            names = "--dry-run",
            description = "with --to-epoch: check everything and print the plan (one JSON line), change nothing")
    boolean dryRun;

    @Option(
            names = "--rest-url",
            defaultValue = "${env:STREAMTRAIN_FLINK_REST}",
            description =
                    "Flink's REST API (default: $STREAMTRAIN_FLINK_REST, else the cluster of ./streamtrain cluster start)")
    String restUrl;

    @Option(names = "--jar", description = "the job jar to restart (default: jobs/target/streamtrain-jobs-*-job.jar)")
    Path jar;

    @Option(
            names = "--savepoint-dir",
            description = "where the stopped job's savepoint goes (default: the cluster's "
                    + "execution.checkpointing.savepoint-dir)")
    String savepointDir;

    /** Missing parts come from the local cluster's config.yaml (./streamtrain cluster start). */
    @Mixin
    S3Options s3Options = new S3Options();

    @Option(
            names = "--timeout",
            defaultValue = "PT3M",
            description = "for each step: savepoint, cancel, restart (default: ${DEFAULT-VALUE})")
    Duration timeout;

    @Parameters(description = "after --: job arguments that override the stopped job's own (--key value)")
    List<String> overrides = new ArrayList<>();

    @Mixin
    Console console;

    private FlinkRest rest;

    @Override
    public Integer call() {
        String bootstrap = kafkaOptions.bootstrapServers();
        if (bootstrap == null) {
            return console.usage(KafkaClientOptions.MISSING_BOOTSTRAP);
        }
        RunKey run;
        try {
            run = RunKey.parse(key);
        } catch (IllegalArgumentException e) {
            return console.usage("--key: " + e.getMessage());
        }
        S3Endpoint s3 = s3Endpoint();
        EventTopic events = new EventTopic(bootstrap, topic, kafkaOptions.clientProperties());
        RunHistory history;
        try {
            history = RunHistory.of(events.read(run, timeout));
        } catch (IOException | KafkaException e) {
            return console.usage(kafkaOptions
                    .refusal(e)
                    .orElse("could not read the events of " + key + ": " + kafkaOptions.redacted(e.getMessage())));
        }
        if (toEpoch == null) {
            return list(history, s3);
        }
        if (s3 == null) {
            return console.usage("a rollback checks the restore point and moves 'latest': " + S3Options.MISSING);
        }
        try (S3Client client = S3Clients.create(s3)) {
            RollbackStore store = new S3RollbackStore(client);
            RestartableJob job = new OnlineTrainingJobRestart(jar, overrides, s3, kafkaOptions.clientProperties());
            RollbackPlan plan = new RollbackPlanner(
                            store,
                            this::rest,
                            job,
                            OnlineTrainingJobRestore.rollbackCheck(client, bootstrap, kafkaOptions.clientProperties()))
                    .plan(run, history, toEpoch, savepointDir);
            if (dryRun) {
                console.line(plan.toJson());
                console.say("dry run, nothing changed");
                return Console.OK;
            }
            RollbackResult result =
                    new RollbackExecutor(rest(), events, store, job, timeout, console::say).execute(plan);
            console.line(result.toJson());
            return Console.OK;
        } catch (RollbackRefused e) {
            return console.fail(exitCode(e.reason()), e.getMessage());
        } catch (IOException | SdkException | KafkaException e) {
            return console.usage(kafkaOptions.refusal(e).orElse(kafkaOptions.redacted(e.getMessage())));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return console.fail(Console.FAILED, "interrupted");
        }
    }

    private static int exitCode(RollbackRefused.Reason reason) {
        return switch (reason) {
            case SETUP -> Console.USAGE;
            case NO_RESTORE_POINT -> Console.NOT_FOUND;
            case FAILED_AFTER_STOP -> Console.FAILED;
        };
    }

    // ------------------------------------------------------------------ listing

    private int list(RunHistory history, S3Endpoint s3) {
        List<RestorePoint> points = history.restorePoints();
        if (points.isEmpty() && history.liveEpochs().isEmpty()) {
            console.say("no restore points for " + key + " on '" + topic + "'");
        }
        if (s3 == null) {
            console.say("no S3 endpoint and credentials: restore points are listed unchecked");
        }
        try (S3Client client = s3 == null ? null : S3Clients.create(s3)) {
            SnapshotProbe probe = client == null ? null : new SnapshotProbe(client);
            for (RestorePoint p : restorePoints(history, probe)) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("epoch", p.epoch());
                row.put("attempt", p.attempt());
                row.put("kind", p.kind().name().toLowerCase(Locale.ROOT));
                row.put("path", p.path());
                row.put("status", probe == null ? "unchecked" : probe.restorable(p) ? "restorable" : "gone");
                row.put("checkpointId", p.checkpointId());
                row.put("flinkJobId", p.flinkJobId());
                if (p.committed() != null) {
                    row.put("samplesTotal", p.committed().samplesTotal());
                    row.put(
                            "meanLoss",
                            p.committed().manifest() == null
                                    ? null
                                    : p.committed().manifest().metrics().meanLoss());
                    row.put("createdAt", p.committed().createdAt());
                } else {
                    row.put("note", "the job a rollback stopped: restore it by hand with flink run -s " + p.path());
                }
                console.json(row);
            }
            return Console.OK;
        } catch (SdkException e) {
            return console.usage(e.getMessage());
        }
    }

    /**
     * Per live epoch its fastest restore point: its checkpoint while Flink retains it, else its artifact
     * unless retention deleted it (the rollback's dry run checks the artifact's sha256s and offsets); then
     * the savepoints. Unchecked (no S3): the checkpoints, as the events name them.
     */
    private static List<RestorePoint> restorePoints(RunHistory history, SnapshotProbe probe) {
        List<RestorePoint> out = new ArrayList<>();
        for (RestorePoint p : history.restorePoints()) {
            if (p.kind() == RestorePoint.Kind.CHECKPOINT && (probe == null || probe.restorable(p))) {
                out.add(p);
            }
        }
        if (probe != null) {
            for (CheckpointEvent e : history.liveEpochs()) {
                boolean hasCheckpoint = out.stream().anyMatch(p -> p.epoch() == e.epoch());
                if (!hasCheckpoint && !history.artifactDeleted(e)) {
                    out.add(RestorePoint.artifactOf(e));
                }
            }
        }
        for (RestorePoint p : history.restorePoints()) {
            if (p.kind() == RestorePoint.Kind.SAVEPOINT) {
                out.add(p);
            }
        }
        out.sort(Comparator.comparing((RestorePoint p) -> p.kind() == RestorePoint.Kind.SAVEPOINT)
                .thenComparingLong(RestorePoint::epoch));
        return out;
    }

    /** The cluster's REST API, made once: the planner asks for it only after the restore point checked out. */
    private FlinkRest rest() {
        if (rest == null) {
            rest = new FlinkRest(restUrl());
        }
        return rest;
    }

    private String restUrl() {
        if (restUrl != null && !restUrl.isBlank()) {
            return restUrl;
        }
        FlinkCluster local = FlinkCluster.at(FlinkCluster.defaultDir());
        if (Files.isRegularFile(local.conf().resolve("config.yaml"))) {
            return local.restUrl();
        }
        throw new RollbackRefused(
                RollbackRefused.Reason.SETUP,
                "give --rest-url (or STREAMTRAIN_FLINK_REST): no cluster of " + "./streamtrain cluster start in "
                        + local.dir());
    }

    /** Flags, else the AWS_* environment, else the local cluster's config.yaml. */
    private S3Endpoint s3Endpoint() {
        FlinkCluster local = FlinkCluster.at(FlinkCluster.defaultDir());
        return s3Options.resolve(
                Files.isRegularFile(local.conf().resolve("config.yaml"))
                        ? local.configuration().toMap()
                        : Map.of());
    }
}
