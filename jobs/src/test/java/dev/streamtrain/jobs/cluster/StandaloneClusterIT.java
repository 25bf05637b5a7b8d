package dev.streamtrain.jobs.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamtrain.events.CheckpointEvent;
import dev.streamtrain.jobs.KafkaClients;
import dev.streamtrain.jobs.cli.Streamtrain;
import dev.streamtrain.localstack.Await;
import dev.streamtrain.localstack.LocalStack;
import dev.streamtrain.localstack.LocalStackExtension;
import dev.streamtrain.rollback.FlinkRest;
import dev.streamtrain.rollback.RunHistory;
import dev.streamtrain.sample.SampleFormat;
import dev.streamtrain.sample.synthetic.TeacherStream;
import dev.streamtrain.sample.synthetic.TeacherStream.EncodedSample;
import dev.streamtrain.store.ArtifactReader;
import dev.streamtrain.store.FlinkS3;
import dev.streamtrain.store.RunKey;
import dev.streamtrain.store.S3Clients;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.stream.LongStream;
import org.apache.flink.configuration.Configuration;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The training job on a real standalone Flink cluster (JobManager and TaskManager JVMs, the job jar
 * submitted with Flink's own CLI, checkpoints and savepoints on S3 through presto), against the
 * local Kafka broker and S3 server.
 *
 * <p>Every run trains the same sample sequence (one partition, the same teacher seed): 6
 * epoch-windows of 2,560 samples, 40 batches of 64 each, so the last window ends exactly at the
 * input's end and no partial batch is pending. The checkpoint events of a run then name each
 * epoch's model sha256, and runs are compared through them: a run stopped with a savepoint
 * mid-stream and resumed with {@code run -s}, and a run whose TaskManager is killed, must end with
 * the same weights, bit for bit, as an uninterrupted run — and their read_committed event streams
 * must hold every epoch exactly once.
 */
@ExtendWith(LocalStackExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StandaloneClusterIT {
    private static final int EPOCH = 2560;
    /** Enough for a stop, a kill or a rollback between epochs with epochs before and after; each one more costs seconds. */
    private static final int EPOCHS = 6;

    private static final int SAMPLES = EPOCH * EPOCHS;
    private static final Duration LONG = Duration.ofMinutes(3);
    /** Checkpoints retained per job: with 1 s checkpoints, a restore point lives about this many seconds. */
    private static final int RETAINED = 15;

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static FlinkCluster cluster;
    private static LocalStack stack;
    private static Path jobJar;
    /** The uninterrupted run's per-epoch model sha256, computed alongside the tests: see {@link #baseline()}. */
    private static CompletableFuture<List<String>> baseline;

    @BeforeAll
    static void startCluster(LocalStack localStack) throws Exception {
        stack = localStack;
        jobJar = jobJar();
        long t0 = System.nanoTime();
        ClusterSpec defaults = ClusterSpec.of(Path.of("target", "it-flink-cluster"), stack.s3(), stack.bucket());
        cluster = FlinkCluster.assemble(
                new ClusterSpec(
                        defaults.dir(),
                        defaults.s3(),
                        defaults.bucket(),
                        defaults.slots(),
                        defaults.jobManagerMemory(),
                        defaults.taskManagerMemory(),
                        defaults.taskManagerJavaOpts(),
                        RETAINED),
                true);
        cluster.startJobManager();
        cluster.startTaskManager();
        cluster.awaitTaskManagers(1, LONG);
        System.out.printf(
                "cluster: JobManager + 1 TaskManager registered in %d ms at %s%n",
                (System.nanoTime() - t0) / 1_000_000, cluster.restUrl());
        // The reference run starts now, in the cluster's second slot, and trains while the first test
        // submits, streams and stops its own job: it shares nothing with that job but the cluster.
        baseline = CompletableFuture.supplyAsync(() -> {
            try {
                return uninterruptedRun();
            } catch (Exception e) {
                throw new CompletionException(e);
            }
        });
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (cluster != null) {
            cluster.stop();
        }
    }

    @Test
    @Order(1)
    void stopWithSavepointMidStreamAndRunFromItTrainsExactlyWhatAnUninterruptedRunTrains() throws Exception {
        String id = "it-" + UUID.randomUUID().toString().substring(0, 8);
        String samples = id + "-samples";
        KafkaClients.createTopics(stack.bootstrapServers(), samples, id + "-dlq", id + "-resumed-events");
        List<EncodedSample> all = teacher().nextEncoded(SAMPLES);
        produce(samples, all.subList(0, SAMPLES * 4 / 10));

        // the run that is stopped with a savepoint while samples still arrive, and resumed from it
        List<String> resumedArgs = jobArgs(id, samples, "resumed");
        String job = submit(resumedArgs);
        try (EventLog events = new EventLog(id + "-resumed-events")) {
            events.await("the first epoch", e -> e.size() >= 1);
            // the streamer holds after one more epoch of samples until the stop returned: the job is
            // stopped mid-stream, with samples still to come, whatever the machine's speed
            Streamer streamer = Streamer.start(samples, all.subList(SAMPLES * 4 / 10, SAMPLES), 1500, EPOCH);
            streamer.awaitHold();
            long t0 = System.nanoTime();
            String savepoint = FlinkCli.run(
                            cluster,
                            LONG,
                            "stop",
                            "--savepointPath",
                            "s3://" + stack.bucket() + "/" + id + "/savepoints",
                            job)
                    .orThrow("flink stop")
                    .savepointPath();
            int producedAtStop = SAMPLES * 4 / 10 + streamer.sent.get();
            System.out.printf(
                    "stop-with-savepoint: %d ms, %d of %d samples produced, savepoint %s%n",
                    (System.nanoTime() - t0) / 1_000_000, producedAtStop, SAMPLES, savepoint);
            assertEquals(SAMPLES * 4 / 10 + EPOCH, producedAtStop, "the streamer held while the job was stopped");
            long committedAtStop = events.poll().size();
            streamer.release();
            streamer.joinOrThrow();

            String resumed = submit(withSavepoint(savepoint, resumedArgs));
            events.await(
                    "the last epoch after the resume",
                    e -> !e.isEmpty() && e.get(e.size() - 1).samplesTotal() >= SAMPLES);
            cancel(resumed);
            List<CheckpointEvent> run = events.drain();
            System.out.printf(
                    "resumed run: %d epochs committed before the stop, %d in all%n", committedAtStop, run.size());
            assertExactlyOncePerEpoch(run);
            assertEquals(baseline(), shas(run), "every epoch's weights, bitwise, as in the uninterrupted run");
        }
    }

    @Test
    @Order(2)
    void killingTheTaskManagerRestoresFromTheLastCheckpointWithEveryEpochExactlyOnce() throws Exception {
        String id = "it-" + UUID.randomUUID().toString().substring(0, 8);
        String samples = id + "-samples";
        KafkaClients.createTopics(stack.bootstrapServers(), samples, id + "-dlq", id + "-killed-events");
        List<EncodedSample> all = teacher().nextEncoded(SAMPLES);
        produce(samples, all.subList(0, SAMPLES * 4 / 10));
        String job = submit(jobArgs(id, samples, "killed"));
        try (EventLog events = new EventLog(id + "-killed-events")) {
            events.await("the first epoch", e -> e.size() >= 1);
            Streamer streamer = Streamer.start(samples, all.subList(SAMPLES * 4 / 10, SAMPLES), 1500);
            events.await("a second epoch while samples stream in", e -> e.size() >= 2);
            String victim = cluster.runningPids().keySet().stream()
                    .filter(n -> n.startsWith("taskmanager"))
                    .findFirst()
                    .orElseThrow();

            // both read just before the kill: what is committed and how often the job restarted so far
            int restartsBefore = restarts(job);
            List<CheckpointEvent> seenBefore = events.poll();
            long committedBefore = seenBefore.get(seenBefore.size() - 1).samplesTotal();
            // the reference run must not share the TaskManager's death: it is over before the kill
            List<String> reference = baseline();
            long killed = System.nanoTime();
            cluster.kill(victim); // SIGKILL: no shutdown, no final checkpoint
            cluster.startTaskManager();
            Await.until(
                    LONG,
                    100,
                    "the job to run again on the new TaskManager",
                    () -> restarts(job) > restartsBefore && allTasksRunning(job));
            long running = System.nanoTime();
            events.await(
                    "training to resume: a new epoch committed after the kill",
                    e -> !e.isEmpty() && e.get(e.size() - 1).samplesTotal() > committedBefore);
            long resumed = System.nanoTime();
            System.out.printf(
                    "TaskManager kill -9 -> job RUNNING again on the new TaskManager: %d ms; "
                            + "-> first newly committed epoch: %d ms (checkpoint interval 1 s, heartbeat 2 s)%n",
                    (running - killed) / 1_000_000, (resumed - killed) / 1_000_000);

            streamer.joinOrThrow();
            events.await(
                    "the last epoch", e -> !e.isEmpty() && e.get(e.size() - 1).samplesTotal() >= SAMPLES);
            cancel(job);
            List<CheckpointEvent> run = events.drain();
            assertExactlyOncePerEpoch(run);
            assertEquals(reference, shas(run), "every epoch's weights, bitwise, as in the uninterrupted run");
        }
    }

    @Test
    @Order(3)
    void rollbackToAnEpochWhoseCheckpointIsGoneRestartsFromItsArtifactAndRefusesADamagedOne() throws Exception {
        String id = "it-" + UUID.randomUUID().toString().substring(0, 8);
        String samples = id + "-samples";
        String eventsTopic = id + "-rolled-events";
        String key = "cluster-it/" + id + "-rolled/model";
        KafkaClients.createTopics(stack.bootstrapServers(), samples, id + "-dlq", eventsTopic);
        List<EncodedSample> all = teacher().nextEncoded(SAMPLES);
        String job = submit(jobArgs(id, samples, "rolled"));
        // 600/s: the 6 epochs take 26 s, so the rollback (once RETAINED checkpoints followed epoch 1's) is mid-stream
        Streamer streamer = Streamer.start(samples, all, 600);
        try (EventLog events = new EventLog(eventsTopic);
                S3Client s3 = S3Clients.create(stack.s3())) {
            events.await("four epochs", e -> e.size() >= 4);
            long firstCheckpoint = events.poll().get(0).checkpointId();
            Await.until(
                    LONG,
                    100,
                    "more checkpoints after epoch 1's than the cluster retains",
                    () -> latestCheckpoint(job) > firstCheckpoint + RETAINED);

            // the restore points, from the event topic, checked against the object store
            Cli listed = rollback(eventsTopic, "--key", key);
            assertEquals(0, listed.code, listed.err);
            List<JsonNode> points = listed.jsonLines();
            // epoch 1's checkpoint was subsumed: its artifact is its restore point now
            assertEquals(1, points.get(0).path("epoch").asLong(), points.toString());
            assertEquals("artifact", points.get(0).path("kind").asText(), "epoch 1's checkpoint is gone: " + points);
            assertEquals("restorable", points.get(0).path("status").asText(), points.toString());
            List<Long> restorable = points.stream()
                    .filter(p -> p.path("status").asText().equals("restorable"))
                    .map(p -> p.path("epoch").asLong())
                    .toList();
            assertTrue(restorable.size() >= 2, "the newest epochs are restorable: " + points);

            // a damaged artifact whose checkpoint is gone is refused, and nothing changes
            String optimizer = "cluster-it/" + id + "-rolled/model/epoch-000001/optimizer.safetensors";
            byte[] bytes = s3.getObjectAsBytes(b -> b.bucket(stack.bucket()).key(optimizer))
                    .asByteArray();
            bytes[bytes.length - 1] ^= 1;
            s3.putObject(b -> b.bucket(stack.bucket()).key(optimizer), RequestBody.fromBytes(bytes));
            Cli refused = rollback(eventsTopic, "--key", key, "--to-epoch", "1");
            assertEquals(4, refused.code, refused.err);
            assertTrue(refused.err.contains("no longer exists"), refused.err);
            assertTrue(refused.err.contains("optimizer.safetensors"), refused.err);
            assertTrue(refused.err.contains("does not match its manifest"), refused.err);
            assertEquals(
                    "RUNNING",
                    cluster.rest("/jobs/" + job).orElseThrow().path("state").asText());

            // repaired, epoch 1's artifact is the restore point: its checkpoint is long gone
            bytes[bytes.length - 1] ^= 1;
            s3.putObject(b -> b.bucket(stack.bucket()).key(optimizer), RequestBody.fromBytes(bytes));
            long k = 1;
            // a dry run checks and plans, and changes nothing
            Cli dry = rollback(eventsTopic, "--key", key, "--to-epoch", String.valueOf(k), "--dry-run");
            assertEquals(0, dry.code, dry.err);
            JsonNode plan = dry.jsonLines().get(0);
            assertEquals("artifact", plan.path("kind").asText(), plan.toString());
            assertEquals(EPOCH, plan.path("startOffsets").path(samples + "-0").asLong(), plan.toString());
            assertEquals(job, plan.path("stop").asText());
            assertEquals(2, plan.path("attempt").asInt());
            assertTrue(
                    plan.path("jobArguments").toString().contains("\"--s3.secret-key\",\"******\""), plan.toString());
            assertFalse(dry.out.contains(stack.s3().secretKey()), "the plan shows no secret");
            assertEquals(
                    "RUNNING",
                    cluster.rest("/jobs/" + job).orElseThrow().path("state").asText());
            long t0 = System.nanoTime();
            Cli done = rollback(eventsTopic, "--key", key, "--to-epoch", String.valueOf(k));
            assertEquals(0, done.code, done.err);
            JsonNode result = done.jsonLines().get(0);
            System.out.printf(
                    "rollback to epoch %d: %d ms (savepoint + cancel, latest, event, jar upload, restart)%n",
                    k, (System.nanoTime() - t0) / 1_000_000);
            String newJob = result.path("flinkJobId").asText();
            assertEquals(
                    "CANCELED",
                    cluster.rest("/jobs/" + job).orElseThrow().path("state").asText(),
                    "cancelled with a savepoint, which keeps the retained checkpoints");
            assertTrue(result.path("savepointPath").asText().startsWith("s3://"), result.toString());
            assertEquals(2, result.path("attempt").asInt());
            // latest moved back: it names epoch k, or already an epoch the new attempt committed since
            ArtifactReader reader = new ArtifactReader(s3, stack.bucket());
            var latest = reader.readLatest(new RunKey("cluster-it", id + "-rolled", "model"));
            assertTrue(
                    latest.epoch() == k
                            || newJob.equals(reader.readManifest(latest).flinkJobId()),
                    "latest names epoch " + latest.epoch() + " of job "
                            + reader.readManifest(latest).flinkJobId());

            streamer.joinOrThrow();
            events.await(
                    "the new attempt's last epoch",
                    e -> !e.isEmpty()
                            && e.get(e.size() - 1).attempt() == 2
                            && e.get(e.size() - 1).samplesTotal() >= SAMPLES);
            cancel(newJob);
            List<CheckpointEvent> story = events.drain();

            // the topic tells it in order: attempt 1 up to n, the rollback to k naming k+1..n, attempt 2 from k+1
            int r = 0;
            while (!story.get(r).type().equals(CheckpointEvent.ROLLED_BACK)) {
                r++;
            }
            List<CheckpointEvent> first = story.subList(0, r);
            CheckpointEvent rolledBack = story.get(r);
            List<CheckpointEvent> second = story.subList(r + 1, story.size());
            long n = first.get(first.size() - 1).epoch();
            assertEquals(
                    LongStream.rangeClosed(1, n).boxed().toList(),
                    first.stream().map(CheckpointEvent::epoch).toList());
            assertTrue(first.stream()
                    .allMatch(e -> e.attempt() == 1 && e.flinkJobId().equals(job)));
            assertEquals(k, rolledBack.epoch());
            assertEquals(2, rolledBack.attempt());
            assertEquals(newJob, rolledBack.flinkJobId());
            assertEquals(
                    LongStream.rangeClosed(k + 1, n).boxed().toList(),
                    rolledBack.rollback().supersededEpochs());
            assertEquals(job, rolledBack.rollback().previousJobId());
            assertEquals(
                    LongStream.rangeClosed(k + 1, EPOCHS).boxed().toList(),
                    second.stream().map(CheckpointEvent::epoch).toList(),
                    "the new attempt retrains from k+1, each epoch once");
            assertTrue(
                    second.stream()
                            .allMatch(e -> e.attempt() == 2
                                    && e.flinkJobId().equals(newJob)
                                    && e.manifest().attempt() == 2),
                    "the new attempt's events and manifests say attempt 2");

            RunHistory history = RunHistory.of(story);
            assertExactlyOncePerEpoch(history.liveEpochs());
            // restored at k with its offsets: the same samples after k, once — the same weights, bitwise
            assertEquals(
                    baseline(), shas(history.liveEpochs()), "the live epochs' weights, as in the uninterrupted run");
        }
    }

    // ------------------------------------------------------------------ helpers

    /**
     * The reference every test compares with, bitwise: the per-epoch model sha256 of an
     * uninterrupted run over the same sample sequence, all of it on the topic before it starts.
     * Started once, before the tests, so that no test depends on another; waits for it.
     */
    private static List<String> baseline() throws Exception {
        try {
            return baseline.get(2 * LONG.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Error error) {
                throw error; // a failed assertion of the reference run
            }
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }

    private static List<String> uninterruptedRun() throws Exception {
        String id = "it-" + UUID.randomUUID().toString().substring(0, 8);
        String samples = id + "-samples";
        KafkaClients.createTopics(stack.bootstrapServers(), samples, id + "-dlq", id + "-baseline-events");
        produce(samples, teacher().nextEncoded(SAMPLES));
        try (EventLog events = new EventLog(id + "-baseline-events")) {
            String uninterrupted = submit(jobArgs(id, samples, "baseline"));
            events.await(
                    "the last epoch of the uninterrupted run",
                    e -> !e.isEmpty() && e.get(e.size() - 1).samplesTotal() >= SAMPLES);
            cancel(uninterrupted);
            List<CheckpointEvent> reference = events.drain();
            assertExactlyOncePerEpoch(reference);
            return shas(reference);
        }
    }

    /** {@code ./streamtrain rollback <args>} in this JVM, against this cluster and stack. */
    private static Cli rollback(String eventsTopic, String... args) {
        List<String> a = new ArrayList<>(List.of(
                "rollback",
                "--bootstrap-servers",
                stack.bootstrapServers(),
                "--topic",
                eventsTopic,
                "--rest-url",
                cluster.restUrl(),
                "--jar",
                jobJar.toString(),
                "--s3-endpoint",
                stack.s3().endpoint().toString(),
                "--access-key",
                stack.s3().accessKey(),
                "--secret-key",
                stack.s3().secretKey()));
        a.addAll(List.of(args));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code =
                Streamtrain.execute(new PrintStream(out, true), new PrintStream(err, true), a.toArray(String[]::new));
        System.out.print(err);
        return new Cli(code, out.toString(), err.toString());
    }

    private record Cli(int code, String out, String err) {
        List<JsonNode> jsonLines() throws IOException {
            List<JsonNode> lines = new ArrayList<>();
            for (String line : out.split("\n")) {
                if (!line.isBlank()) {
                    lines.add(new ObjectMapper().readTree(line));
                }
            }
            return lines;
        }
    }

    private static long latestCheckpoint(String jobId) {
        return cluster.rest("/jobs/" + jobId + "/checkpoints")
                .map(c -> c.path("latest").path("completed").path("id").asLong(-1))
                .orElse(-1L);
    }

    private static TeacherStream teacher() {
        return TeacherStream.builder()
                .format(SampleFormat.BINARY)
                .featureDim(16)
                .regression(1)
                .seed(11)
                .build();
    }

    private static List<String> jobArgs(String id, String samplesTopic, String run) {
        List<String> a = new ArrayList<>(List.of(
                "--kafka.bootstrap-servers",
                stack.bootstrapServers(),
                "--kafka.samples-topic",
                samplesTopic,
                "--kafka.dlq-topic",
                id + "-dlq",
                "--kafka.events-topic",
                id + "-" + run + "-events",
                "--kafka.group-id",
                id + "-" + run,
                "--sample.format",
                "BINARY",
                "--sample.feature-dim",
                "16",
                "--model.hidden",
                "32;32",
                "--model.batch-size",
                "64",
                "--model.learning-rate",
                "0.003",
                "--run.experiment",
                "cluster-it",
                "--run.name",
                id + "-" + run,
                "--epoch.samples",
                String.valueOf(EPOCH),
                "--checkpoint.dir",
                "s3://" + stack.bucket() + "/" + id + "/" + run + "/checkpoints",
                "--checkpoint.interval",
                "1 s",
                "--report.every-samples",
                "12800",
                // every produced sample trains, so the epochs follow from what the test produces;
                // EvaluationJobTest covers failover with a holdout
                "--eval.holdout-fraction",
                "0"));
        // for the client-side preflight (the cluster's own config.yaml has them for the TaskManagers)
        FlinkS3.apply(new Configuration(), stack.s3()).toMap().forEach((k, v) -> {
            a.add("--" + k);
            a.add(v);
        });
        return a;
    }

    private static List<String> withSavepoint(String savepoint, List<String> jobArgs) {
        List<String> a = new ArrayList<>(List.of("-s", savepoint));
        a.addAll(jobArgs);
        return a;
    }

    /** {@code flink run -d [-s savepoint] <job jar> <job args>}; returns the job id. */
    private static String submit(List<String> args) throws Exception {
        List<String> cli = new ArrayList<>(List.of("run", "-d"));
        int jar = args.size() > 1 && args.get(0).equals("-s") ? 2 : 0;
        cli.addAll(args.subList(0, jar));
        cli.add(jobJar.toString());
        cli.addAll(args.subList(jar, args.size()));
        long t0 = System.nanoTime();
        String jobId = FlinkCli.run(cluster, LONG, cli.toArray(String[]::new))
                .orThrow("flink run")
                .jobId();
        System.out.printf(
                "flink run%s: job %s submitted in %d ms%n",
                jar > 0 ? " -s" : "", jobId, (System.nanoTime() - t0) / 1_000_000);
        return jobId;
    }

    /**
     * Ends a run once its events were read: {@code PATCH /jobs/:id?mode=cancel}, then waits for
     * CANCELED. Through the REST API, not {@code flink cancel}: a CLI JVM per cleanup cost seconds
     * each, and cancelling is not what these tests check (the CLI's stop and run -s are).
     */
    private static void cancel(String jobId) throws Exception {
        HttpResponse<String> response = HTTP.send(
                HttpRequest.newBuilder(URI.create(cluster.restUrl() + "/jobs/" + jobId + "?mode=cancel"))
                        .method("PATCH", HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(202, response.statusCode(), "cancel " + jobId + ": " + response.body());
        new FlinkRest(cluster.restUrl()).awaitState(jobId, Set.of("CANCELED"), LONG);
    }

    private static int restarts(String jobId) {
        return cluster.rest("/jobs/" + jobId + "/metrics?get=numRestarts")
                .map(m -> m.size() == 0 ? 0 : m.get(0).path("value").asInt())
                .orElse(0);
    }

    private static boolean allTasksRunning(String jobId) {
        return cluster.rest("/jobs/" + jobId)
                .map(j -> {
                    if (!"RUNNING".equals(j.path("state").asText())) {
                        return false;
                    }
                    for (var v : j.path("vertices")) {
                        if (!"RUNNING".equals(v.path("status").asText())) {
                            return false;
                        }
                    }
                    return true;
                })
                .orElse(false);
    }

    private static void assertExactlyOncePerEpoch(List<CheckpointEvent> events) {
        List<CheckpointEvent> committed = events.stream()
                .filter(e -> e.type().equals(CheckpointEvent.EPOCH_COMMITTED))
                .toList();
        assertEquals(
                LongStream.rangeClosed(1, EPOCHS).boxed().toList(),
                committed.stream().map(CheckpointEvent::epoch).toList(),
                "one committed event per epoch, in order: no duplicate, none missing");
        for (CheckpointEvent e : committed) {
            assertEquals(e.epoch() * EPOCH, e.samplesTotal(), "samples trained at the end of epoch " + e.epoch());
        }
    }

    private static List<String> shas(List<CheckpointEvent> events) {
        return events.stream()
                .filter(e -> e.type().equals(CheckpointEvent.EPOCH_COMMITTED))
                .map(CheckpointEvent::modelSha256)
                .toList();
    }

    private static void produce(String topic, List<EncodedSample> records) {
        try (KafkaProducer<byte[], byte[]> p = KafkaClients.bulkProducer(stack.bootstrapServers())) {
            for (EncodedSample r : records) {
                p.send(new ProducerRecord<>(topic, null, r.eventTimeMillis(), null, r.value()));
            }
            p.flush();
        }
    }

    private static Path jobJar() throws IOException {
        Path target = FlinkCluster.home().resolve("jobs").resolve("target");
        try (DirectoryStream<Path> jars = Files.newDirectoryStream(target, "streamtrain-jobs-*-job.jar")) {
            for (Path p : jars) {
                return p;
            }
        }
        throw new IllegalStateException(
                "no job jar in " + target + ": the *IT tests run after package (./mvnw verify)");
    }

    /**
     * Produces records at a steady rate in the background, so that the job is stopped or killed
     * mid-stream; optionally holds after {@code holdAfter} records (a multiple of 64) until released.
     */
    private static final class Streamer extends Thread {
        final AtomicInteger sent = new AtomicInteger();
        private final String topic;
        private final List<EncodedSample> records;
        private final int perSecond;
        private final int holdAfter;
        private final CountDownLatch holding = new CountDownLatch(1);
        private final CountDownLatch released = new CountDownLatch(1);
        private volatile Exception failure;

        private Streamer(String topic, List<EncodedSample> records, int perSecond, int holdAfter) {
            super("sample-streamer");
            this.topic = topic;
            this.records = records;
            this.perSecond = perSecond;
            this.holdAfter = holdAfter;
            setDaemon(true);
        }

        static Streamer start(String topic, List<EncodedSample> records, int perSecond) {
            return start(topic, records, perSecond, -1);
        }

        static Streamer start(String topic, List<EncodedSample> records, int perSecond, int holdAfter) {
            Streamer s = new Streamer(topic, records, perSecond, holdAfter);
            s.start();
            return s;
        }

        /** Returns once the streamer has sent {@code holdAfter} records and holds. */
        void awaitHold() throws Exception {
            if (!holding.await(LONG.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException(
                        "the streamer did not reach " + holdAfter + " records: " + sent.get(), failure);
            }
        }

        void release() {
            released.countDown();
        }

        @Override
        public void run() {
            long t0 = System.nanoTime();
            try (KafkaProducer<byte[], byte[]> p = KafkaClients.bulkProducer(stack.bootstrapServers())) {
                for (int i = 0; i < records.size(); i += 64) {
                    for (EncodedSample r : records.subList(i, Math.min(records.size(), i + 64))) {
                        p.send(new ProducerRecord<>(topic, null, r.eventTimeMillis(), null, r.value()));
                    }
                    p.flush();
                    sent.set(Math.min(records.size(), i + 64));
                    if (sent.get() == holdAfter) {
                        holding.countDown();
                        if (!released.await(LONG.toMillis(), TimeUnit.MILLISECONDS)) {
                            throw new IllegalStateException("held for " + LONG + " and never released");
                        }
                        t0 = System.nanoTime()
                                - (long) sent.get() * 1_000_000_000L / perSecond; // the rate goes on from here
                    }
                    long due = t0 + (long) sent.get() * 1_000_000_000L / perSecond;
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                    }
                }
            } catch (Exception e) {
                failure = e;
            }
        }

        void joinOrThrow() throws Exception {
            join(LONG.toMillis());
            if (failure != null) {
                throw failure;
            }
        }
    }

    /** A read_committed consumer of one events topic that keeps what it has seen. */
    private static final class EventLog implements AutoCloseable {
        private final KafkaConsumer<byte[], byte[]> consumer;
        private final List<CheckpointEvent> events = new ArrayList<>();

        EventLog(String topic) {
            consumer = KafkaClients.readCommittedConsumer(stack.bootstrapServers());
            consumer.subscribe(List.of(topic));
        }

        List<CheckpointEvent> poll() {
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                try {
                    events.add(CheckpointEvent.fromJson(r.value()));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            return events;
        }

        void await(String what, Predicate<List<CheckpointEvent>> condition) {
            Await.until(LONG, 0, what + " (cluster logs: " + cluster.log() + ")", () -> condition.test(poll()));
        }

        /** Everything, after a few more polls in which a duplicate would show. */
        List<CheckpointEvent> drain() {
            for (int i = 0; i < 5; i++) {
                poll();
            }
            return List.copyOf(events);
        }

        @Override
        public void close() {
            consumer.close();
        }
    }
}
