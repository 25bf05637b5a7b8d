package dev.streamtrain.jobs.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.streamtrain.jobs.cluster.ClusterSpec;
import dev.streamtrain.jobs.cluster.FlinkCluster;
import dev.streamtrain.jobs.cluster.LocalStackProcess;
import dev.streamtrain.localstack.LocalStack;
import dev.streamtrain.store.S3Endpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ./streamtrain cluster start|stop|status}: a standalone Flink session cluster on this machine. */
@Command(
        name = "cluster",
        mixinStandardHelpOptions = true,
        description = {
            "A standalone Flink 2.2 session cluster on this machine, built from the Maven jars: one "
                    + "JobManager and one TaskManager as background JVMs, for real `flink run` (./streamtrain flink ...).",
            "start prints one JSON line (REST URL, folder, pids, endpoints); logs go to <dir>/log/."
        },
        subcommands = {ClusterCommand.Start.class, ClusterCommand.Stop.class, ClusterCommand.Status.class})
final class ClusterCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.err);
    }

    static Path dirOrDefault(Path dir) {
        return dir != null ? dir : FlinkCluster.defaultDir();
    }

    @Command(
            name = "start",
            mixinStandardHelpOptions = true,
            description = {
                "Assemble <dir> (lib/, plugins/s3-fs-presto/, conf/config.yaml) and start the JobManager and "
                        + "one TaskManager; returns once the TaskManager is registered.",
                "Needs an S3 endpoint for checkpoints and savepoints: --s3-endpoint/--access-key/--secret-key, "
                        + "the AWS_ENDPOINT_URL/AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY environment, or --local-stack."
            })
    static final class Start implements Callable<Integer> {
        @Option(
                names = "--dir",
                description = "cluster folder (default: $STREAMTRAIN_CLUSTER_DIR or target/flink-cluster)")
        Path dir;

        @Option(
                names = "--local-stack",
                description = "also start the local Kafka broker + S3 server; it runs until cluster stop")
        boolean localStack;

        @Mixin
        S3Options s3Options = new S3Options();

        @Mixin
        Console console;

        @Option(
                names = "--bucket",
                defaultValue = "streamtrain",
                description =
                        "bucket of the default checkpoint/savepoint dirs s3://<bucket>/flink/... (default: ${DEFAULT-VALUE})")
        String bucket;

        @Option(
                names = "--slots",
                defaultValue = "2",
                description = "task slots per TaskManager (default: ${DEFAULT-VALUE})")
        int slots;

        @Option(
                names = "--tm-memory",
                defaultValue = "2048m",
                description = "taskmanager.memory.process.size (default: ${DEFAULT-VALUE})")
        String tmMemory;

        @Option(
                names = "--jm-memory",
                defaultValue = "1024m",
                description = "jobmanager.memory.process.size (default: ${DEFAULT-VALUE})")
        String jmMemory;

        @Option(
                names = "--tm-java-opts",
                defaultValue = "",
                description = "extra TaskManager JVM options, e.g. \"-Dai.djl.pytorch.num_threads=2\"")
        String tmJavaOpts;

        @Option(
                names = "--retained-checkpoints",
                defaultValue = "" + ClusterSpec.DEFAULT_RETAINED_CHECKPOINTS,
                description =
                        "execution.checkpointing.num-retained: checkpoints kept per job, the rollback restore points (default: ${DEFAULT-VALUE})")
        int retainedCheckpoints;

        @Option(
                names = "--timeout",
                defaultValue = "PT3M",
                description = "how long to wait for the TaskManager (default: ${DEFAULT-VALUE})")
        Duration timeout;

        @Override
        public Integer call() throws Exception {
            long t0 = System.nanoTime();
            Path where = dirOrDefault(dir);
            FlinkCluster existing = FlinkCluster.at(where);
            if (!existing.runningPids().isEmpty()) {
                return console.usage("a cluster is already running in " + existing.dir() + " " + existing.runningPids()
                        + ": ./streamtrain cluster stop first, or use --dir");
            }
            Files.createDirectories(where.resolve("run"));
            Files.createDirectories(where.resolve("log"));
            Map<String, Object> out = new LinkedHashMap<>();
            S3Endpoint s3;
            String flinkBucket = bucket;
            if (localStack) {
                console.say("starting the local stack (Kafka + S3)…");
                LocalStackProcess.Endpoints stack = LocalStackProcess.start(existing, bucket, Duration.ofMinutes(2));
                s3 = stack.s3();
                // the stack's unversioned bucket: in the versioned one every discarded checkpoint
                // logs "Directory …/chk-N is not empty" (s3mock lists deleted objects there)
                flinkBucket = LocalStack.checkpointBucketOf(bucket);
                out.put("kafkaBootstrapServers", stack.bootstrapServers());
                out.put("s3Endpoint", stack.s3Endpoint().toString());
                out.put("s3AccessKey", stack.accessKey());
                out.put("topics", LocalStackProcess.DEFAULT_TOPICS);
                out.put("localStackPid", stack.pid());
            } else {
                Optional<S3Endpoint> given;
                try {
                    given = s3Options.strict(Map.of());
                } catch (IllegalArgumentException e) {
                    return console.usage(e.getMessage());
                }
                if (given.isEmpty()) {
                    return console.usage("cluster start needs an S3 endpoint for checkpoints and savepoints: "
                            + "--s3-endpoint, --access-key, --secret-key (or AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, "
                            + "AWS_SECRET_ACCESS_KEY), or --local-stack");
                }
                s3 = given.get();
                out.put("s3Endpoint", s3.endpoint().toString());
            }
            try {
                ClusterSpec spec = new ClusterSpec(
                        where, s3, flinkBucket, slots, jmMemory, tmMemory, tmJavaOpts, retainedCheckpoints);
                FlinkCluster cluster = FlinkCluster.assemble(spec, false);
                long jm = cluster.startJobManager();
                long tm = cluster.startTaskManager();
                console.say("JobManager pid " + jm + ", TaskManager pid " + tm + "; waiting for "
                        + "the TaskManager to register at " + cluster.restUrl() + "…");
                cluster.awaitTaskManagers(1, timeout);
                out.put("restUrl", cluster.restUrl());
                out.put("dir", cluster.dir().toString());
                out.put("confDir", cluster.conf().toString());
                out.put("checkpoints", spec.checkpointsDir());
                out.put("savepoints", spec.savepointsDir());
                out.put("pids", cluster.runningPids());
                out.put("clusterStartMillis", (System.nanoTime() - t0) / 1_000_000);
                console.json(out);
                console.say("cluster up at " + cluster.restUrl() + " (web UI and REST). Submit with "
                        + "./streamtrain flink run -d jobs/target/streamtrain-jobs-*-job.jar --config <job.yaml>; "
                        + "stop with ./streamtrain cluster stop");
                return Console.OK;
            } catch (Exception e) {
                console.say("cluster start failed: " + e.getMessage() + "; stopping what was started");
                FlinkCluster.at(where).stop();
                throw e;
            }
        }
    }

    @Command(
            name = "stop",
            mixinStandardHelpOptions = true,
            description = "Stop the cluster's TaskManagers, JobManager and local stack (SIGTERM, SIGKILL after 30 s). "
                    + "Running jobs are not savepointed: use ./streamtrain flink stop --savepointPath ... first.")
    static final class Stop implements Callable<Integer> {
        @Option(
                names = "--dir",
                description = "cluster folder (default: $STREAMTRAIN_CLUSTER_DIR or target/flink-cluster)")
        Path dir;

        @Mixin
        Console console;

        @Override
        public Integer call() throws Exception {
            Map<String, Long> stopped = FlinkCluster.at(dirOrDefault(dir)).stop();
            console.json(Map.of("stopped", stopped));
            if (stopped.isEmpty()) {
                console.say("nothing was running in " + dirOrDefault(dir));
            }
            return Console.OK;
        }
    }

    @Command(
            name = "status",
            mixinStandardHelpOptions = true,
            description = "One JSON line: the processes alive, and what the REST API says (TaskManagers, slots, jobs). "
                    + "Exit code 0 when the JobManager answers, 3 when not.")
    static final class Status implements Callable<Integer> {
        @Option(
                names = "--dir",
                description = "cluster folder (default: $STREAMTRAIN_CLUSTER_DIR or target/flink-cluster)")
        Path dir;

        @Mixin
        Console console;

        @Override
        public Integer call() throws Exception {
            FlinkCluster cluster = FlinkCluster.at(dirOrDefault(dir));
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("dir", cluster.dir().toString());
            out.put("pids", cluster.runningPids());
            boolean configured = Files.exists(cluster.conf().resolve("config.yaml"));
            Optional<JsonNode> overview = configured ? cluster.rest("/overview") : Optional.empty();
            if (configured) {
                out.put("restUrl", cluster.restUrl());
            }
            overview.ifPresent(o -> {
                out.put("taskManagers", o.path("taskmanagers").asInt());
                out.put("slotsTotal", o.path("slots-total").asInt());
                out.put("slotsAvailable", o.path("slots-available").asInt());
                out.put("jobsRunning", o.path("jobs-running").asInt());
                out.put("flinkVersion", o.path("flink-version").asText());
            });
            if (configured) {
                cluster.rest("/jobs/overview").ifPresent(j -> {
                    Map<String, String> jobs = new LinkedHashMap<>();
                    j.path("jobs")
                            .forEach(job -> jobs.put(
                                    job.path("jid").asText(),
                                    job.path("state").asText() + " "
                                            + job.path("name").asText()));
                    out.put("jobs", jobs);
                });
            }
            LocalStackProcess.read(cluster).ifPresent(s -> {
                out.put("kafkaBootstrapServers", s.bootstrapServers());
                out.put("s3Endpoint", s.s3Endpoint().toString());
            });
            out.put("up", overview.isPresent());
            console.json(out);
            return overview.isPresent() ? Console.OK : Console.CHECK_FAILED;
        }
    }
}
