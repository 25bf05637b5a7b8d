package dev.streamtrain.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamtrain.events.CheckpointEvent;
import dev.streamtrain.jobs.config.JobConfig;
import dev.streamtrain.jobs.config.TrainingJobOptions;
import dev.streamtrain.localstack.Await;
import dev.streamtrain.localstack.LocalStack;
import dev.streamtrain.localstack.LocalStackExtension;
import dev.streamtrain.sample.Sample;
import dev.streamtrain.sample.synthetic.TeacherStream;
import dev.streamtrain.store.S3Clients;
import dev.streamtrain.trainer.DjlTrainer;
import dev.streamtrain.trainer.TrainerState;
import dev.streamtrain.trainer.TrainingReport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.ObjectVersion;
import software.amazon.awssdk.services.s3.model.S3Exception;

/** Epoch-window artifacts and their exactly-once checkpoint events, on the real broker and S3 server. */
@ExtendWith(LocalStackExtension.class)
class OnlineTrainingJobEventsTest {
    private static final JsonSchemaCheck SCHEMA;

    static {
        try {
            SCHEMA = JsonSchemaCheck.checkpointEventSchema();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void noEventIsVisibleBeforeTheCheckpointThatCoversIt(LocalStack stack) throws Exception {
        // counts and weights below are those of a run that trains on every sample: no holdout
        TrainingJobFixture f = new TrainingJobFixture(stack, "visibility")
                .set("eval.holdout-fraction", "0")
                .set("epoch.samples", "1280")
                .set("checkpoint.interval", "5 s")
                // Flink delays the first checkpoint by a random time between the min-pause and the
                // interval: with both 5 s, the first checkpoint starts 5 s after the job does, long
                // after the first window's artifact (1,280 samples already on the topic) is durable
                .set("execution.checkpointing.min-pause", "5 s")
                // every event's chk-<n>/_metadata is looked up below: keep them all (default: the last one)
                .set("execution.checkpointing.num-retained", "100");
        StackKafka.produce(
                stack.bootstrapServers(), f.samplesTopic, f.teacher().build().nextEncoded(6400));
        JobConfig config = f.config();
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(OnlineTrainingJob.environmentConfig(config));
        JobClient job = new OnlineTrainingJob(
                        config,
                        KafkaWiring.samplesSource(config),
                        KafkaWiring.deadLetterSink(config),
                        KafkaWiring.eventSink(config),
                        new DiscardingSink<>())
                .executeAsync(env);
        try (S3Client s3 = S3Clients.create(stack.s3());
                KafkaConsumer<byte[], byte[]> consumer =
                        StackKafka.readCommitted(stack.bootstrapServers(), f.eventsTopic)) {
            String modelPrefix = "tests/" + f.id + "/model/";
            Await.until(
                    Duration.ofSeconds(60),
                    100,
                    "the first manifest",
                    () -> exists(s3, stack, modelPrefix + "epoch-000001/manifest.json"));
            List<CheckpointEvent> events = new ArrayList<>();
            AtomicInteger emptyPolls = new AtomicInteger();
            Await.until(Duration.ofSeconds(60), 0, "the first completed checkpoint", () -> {
                for (ConsumerRecord<byte[], byte[]> r : StackKafka.poll(consumer)) {
                    events.add(parse(r.value()));
                }
                if (!completedCheckpoints(s3, stack, f.id).isEmpty()) {
                    return true;
                }
                // the artifact is durable, no checkpoint has completed (checked after the poll): nothing is visible
                assertEquals(List.of(), events, "events visible before any checkpoint completed");
                emptyPolls.incrementAndGet();
                return false;
            });
            assertTrue(
                    emptyPolls.get() > 0,
                    "a read_committed poll ran between the first durable artifact and the first "
                            + "checkpoint (else the check above proved nothing)");
            Await.until(Duration.ofSeconds(60), 0, "the 5 epochs' events", () -> {
                for (ConsumerRecord<byte[], byte[]> r : StackKafka.poll(consumer)) {
                    CheckpointEvent e = parse(r.value());
                    events.add(e);
                    // when an event is visible, its checkpoint has completed (and is retained: num-retained)
                    assertTrue(
                            completedCheckpoints(s3, stack, f.id).contains(e.checkpointId()),
                            "checkpoint " + e.checkpointId() + " completed before epoch " + e.epoch()
                                    + "'s event showed");
                    // … and the event names that checkpoint's directory: the epoch's restore point
                    assertEquals(
                            config.get(TrainingJobOptions.CHECKPOINT_DIR) + "/" + job.getJobID() + "/chk-"
                                    + e.checkpointId(),
                            e.checkpointPath());
                    assertEquals(1, e.attempt(), "a run as first started is attempt 1");
                    assertEquals(1, e.manifest().attempt(), "and so says its manifest");
                }
                return events.size() >= 5;
            });
            assertEquals(
                    List.of(1L, 2L, 3L, 4L, 5L),
                    events.stream().map(CheckpointEvent::epoch).toList());
        } finally {
            job.cancel().get();
        }
    }

    @Test
    void eachWindowHasOneVerifiedArtifactAndVersionAndTheWeightsLoadOutsideDjl(LocalStack stack) throws Exception {
        // counts and weights below are those of a run that trains on every sample: no holdout
        TrainingJobFixture f = new TrainingJobFixture(stack, "artifacts")
                .set("eval.holdout-fraction", "0")
                .set("kafka.bounded", "true")
                .set("epoch.samples", "3200")
                .set("store.versioned", "true");
        StackKafka.produce(
                stack.bootstrapServers(), f.samplesTopic, f.teacher().build().nextEncoded(9600 + 20));
        JobConfig config = f.config();
        List<TrainingReport> reports = OnlineTrainingJobTest.run(config, null);
        TrainingReport last = reports.get(reports.size() - 1);
        List<CheckpointEvent> events = readAll(stack, f.eventsTopic, 3);
        assertEquals(
                List.of(1L, 2L, 3L), events.stream().map(CheckpointEvent::epoch).toList(), "one event per window");

        try (S3Client s3 = S3Clients.create(stack.s3())) {
            for (CheckpointEvent e : events) {
                for (var file : e.manifest().files()) {
                    byte[] bytes = get(s3, URI.create(e.artifactUri() + file.name()));
                    assertEquals(file.sizeBytes(), bytes.length, file.name());
                    assertEquals(file.sha256(), sha256(bytes), file.name() + " sha256 as in the manifest");
                }
                assertEquals(3200, e.manifest().sampleCount());
                assertEquals(e.epoch() * 3200, e.samplesTotal());
                Map<String, ?> offsets = e.manifest().kafkaOffsets();
                assertEquals(1, offsets.size(), "one partition: " + offsets);
                assertNotNull(e.versionId(), "versioned mode records the version");
                byte[] version = s3.getObjectAsBytes(b -> b.bucket(stack.bucket())
                                .key("tests/" + f.id + "/model/model.safetensors")
                                .versionId(e.versionId()))
                        .asByteArray();
                assertEquals(
                        e.modelSha256(), sha256(version), "version " + e.versionId() + " holds epoch " + e.epoch());
            }
            List<ObjectVersion> versions = s3.listObjectVersions(
                            b -> b.bucket(stack.bucket()).prefix("tests/" + f.id + "/model/model.safetensors"))
                    .versions();
            assertEquals(3, versions.size(), "one S3 version of the stable key per window");

            // The last window ends with the input, so its weights are the final model: a forward
            // pass from the safetensors file, read without our code, equals DJL's predictions.
            CheckpointEvent lastEvent = events.get(2);
            Map<String, float[]> tensors = IndependentSafetensors.read(get(s3, URI.create(lastEvent.modelUri())));
            TeacherStream probe = f.teacher().dataSeed(5).build();
            int rows = 32;
            float[] x = new float[rows * 16];
            for (int i = 0; i < rows; i++) {
                Sample s = probe.next();
                System.arraycopy(s.features, 0, x, i * 16, 16);
            }
            float[] independent = IndependentSafetensors.forwardReluMlp(tensors, List.of(16, 32, 32, 1), x, rows);
            try (DjlTrainer djl = DjlTrainer.restore(config.modelSpec(), TrainerState.fromBytes(last.state))) {
                float[] predicted = djl.predict(x, rows);
                for (int i = 0; i < rows; i++) {
                    assertEquals(predicted[i], independent[i], 1e-4, "row " + i);
                }
            }
        }
    }

    @Test
    void aFailureBetweenArtifactAndCheckpointLeavesExactlyOneEventPerWindow(LocalStack stack) throws Exception {
        // counts and weights below are those of a run that trains on every sample: no holdout
        TrainingJobFixture f = new TrainingJobFixture(stack, "failover-events")
                .set("eval.holdout-fraction", "0")
                .set("kafka.bounded", "true")
                .set("epoch.samples", "1280")
                .set("restart-strategy.type", "fixed-delay")
                .set("restart-strategy.fixed-delay.attempts", "3")
                .set("restart-strategy.fixed-delay.delay", "100 ms");
        int produced = 12_800;
        StackKafka.produce(
                stack.bootstrapServers(), f.samplesTopic, f.teacher().build().nextEncoded(produced));
        // fails inside a checkpoint after 2, once that checkpoint's transaction holds an event
        FailWhileAnEventIsUncommitted injector =
                new FailWhileAnEventIsUncommitted(f.id, stack.bootstrapServers(), f.eventsTopic, 2, 10);
        List<TrainingReport> reports = OnlineTrainingJobTest.run(f.config(), injector);
        long abortedCheckpoint = FailWhileAnEventIsUncommitted.abortedCheckpoint(f.id);
        assertTrue(abortedCheckpoint > 2, "the failure was injected while an event was uncommitted");
        assertEquals(produced, reports.get(reports.size() - 1).samplesTrained);

        List<CheckpointEvent> events = readAll(stack, f.eventsTopic, 10);
        assertEquals(
                LongStream.rangeClosed(1, 10).boxed().toList(),
                events.stream().map(CheckpointEvent::epoch).toList(),
                "exactly one committed event per window, in order, none from the failed attempt");
        // the failed attempt's event really was on the topic: read_uncommitted sees it, read_committed did not
        List<CheckpointEvent> written = StackKafka.readUncommitted(stack.bootstrapServers(), f.eventsTopic).stream()
                .map(OnlineTrainingJobEventsTest::parse)
                .toList();
        List<Long> abortedEpochs = written.stream()
                .filter(e -> Long.valueOf(abortedCheckpoint).equals(e.checkpointId()))
                .map(CheckpointEvent::epoch)
                .toList();
        assertFalse(
                abortedEpochs.isEmpty(), "an event of checkpoint " + abortedCheckpoint + " was written: " + written);
        assertTrue(
                events.stream().noneMatch(e -> Long.valueOf(abortedCheckpoint).equals(e.checkpointId())),
                "no committed event of the failed checkpoint");
        assertEquals(
                events.size() + abortedEpochs.size(),
                written.size(),
                "the topic holds the committed events and the aborted ones");
        try (S3Client s3 = S3Clients.create(stack.s3())) {
            for (CheckpointEvent e : events) {
                assertEquals(e.modelSha256(), sha256(get(s3, URI.create(e.modelUri()))), "epoch " + e.epoch());
            }
        }
    }

    @Test
    void retentionDeletesOldEpochsKeepsTheLastTheBestAndTheNewestAndAnnouncesEachDeletion(LocalStack stack)
            throws Exception {
        // counts and weights below are those of a run that trains on every sample: no holdout
        TrainingJobFixture f = new TrainingJobFixture(stack, "retention")
                .set("eval.holdout-fraction", "0")
                .set("kafka.bounded", "true")
                .set("epoch.samples", "640")
                .set("store.keep-last", "2")
                .set("store.keep-best", "1");
        StackKafka.produce(
                stack.bootstrapServers(), f.samplesTopic, f.teacher().build().nextEncoded(640 * 10));
        OnlineTrainingJobTest.run(f.config(), new FailOnceAfterCheckpoint(f.id, -1, 10)); // paced: several checkpoints

        List<CheckpointEvent> events = readAll(stack, f.eventsTopic, 10);
        List<CheckpointEvent> committed = events.stream()
                .filter(e -> e.type().equals(CheckpointEvent.EPOCH_COMMITTED))
                .toList();
        List<CheckpointEvent> deleted = events.stream()
                .filter(e -> e.type().equals(CheckpointEvent.EPOCH_DELETED))
                .toList();
        assertEquals(
                LongStream.rangeClosed(1, 10).boxed().toList(),
                committed.stream().map(CheckpointEvent::epoch).toList());
        assertEquals(
                deleted.size(),
                deleted.stream().map(CheckpointEvent::epoch).distinct().count(),
                "one deletion event per epoch");
        assertTrue(deleted.size() >= 5, "10 epochs, keep 2 last + 1 best (+ protected): deleted " + deleted.size());

        long best = committed.stream()
                .min(Comparator.comparingDouble(e -> e.manifest().metrics().meanLoss()))
                .orElseThrow()
                .epoch();
        List<Long> deletedEpochs = deleted.stream().map(CheckpointEvent::epoch).toList();
        for (long kept : List.of(9L, 10L, best)) {
            assertTrue(!deletedEpochs.contains(kept), "epoch " + kept + " must be kept; deleted " + deletedEpochs);
        }
        try (S3Client s3 = S3Clients.create(stack.s3())) {
            for (CheckpointEvent e : committed) {
                boolean present = exists(
                        s3,
                        stack,
                        "tests/" + f.id + "/model/epoch-" + String.format("%06d", e.epoch()) + "/manifest.json");
                assertEquals(!deletedEpochs.contains(e.epoch()), present, "epoch " + e.epoch() + " manifest present");
            }
        }
    }

    @Test
    void eventTimeWindowsCloseOnTheWatermarkAndDoNotOverlap(LocalStack stack) throws Exception {
        // counts and weights below are those of a run that trains on every sample: no holdout
        TrainingJobFixture f = new TrainingJobFixture(stack, "event-time")
                .set("eval.holdout-fraction", "0")
                .set("kafka.bounded", "true")
                .set("epoch.event-time", "2 s")
                .set("pipeline.auto-watermark-interval", "50 ms");
        int produced = 8000; // one sample per event-time millisecond: 8 s of event time, four 2-s spans
        StackKafka.produce(
                stack.bootstrapServers(),
                f.samplesTopic,
                f.teacher().eventTime(1_700_000_000_000L, 1).build().nextEncoded(produced));
        List<TrainingReport> reports = OnlineTrainingJobTest.run(f.config(), new FailOnceAfterCheckpoint(f.id, -1, 10));
        TrainingReport last = reports.get(reports.size() - 1);

        List<CheckpointEvent> events = readAll(stack, f.eventsTopic, 4);
        // the stream starts on a span boundary (t0 is a multiple of 2 s): 8 s of event time are exactly four windows
        assertEquals(
                List.of(1L, 2L, 3L, 4L),
                events.stream().map(CheckpointEvent::epoch).toList());
        assertEquals(
                last.samplesTrained,
                events.stream().mapToLong(e -> e.manifest().sampleCount()).sum(),
                "every trained sample is in exactly one window");
        for (int i = 1; i < events.size(); i++) {
            var previous = events.get(i - 1).manifest().eventTime();
            var current = events.get(i).manifest().eventTime();
            assertTrue(
                    previous.maxMillis() < current.minMillis(),
                    "windows follow each other in event time: " + previous + " / " + current);
            // A window closes once the watermark passed the end of its span, so every sample of the span
            // had arrived; all were trained but those still waiting in the partial batch (< 64, one
            // per millisecond), which count for the next window.
            assertTrue(
                    previous.maxMillis() - 1_700_000_000_000L >= 2000L * i - 64 - 1,
                    "window " + i + " closed before its span ended: " + previous);
        }
    }

    private static List<CheckpointEvent> readAll(LocalStack stack, String topic, int expected) throws Exception {
        List<CheckpointEvent> events = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = StackKafka.readCommitted(stack.bootstrapServers(), topic)) {
            Await.until(Duration.ofSeconds(60), 0, expected + " events on " + topic, () -> {
                for (ConsumerRecord<byte[], byte[]> r : StackKafka.poll(consumer)) {
                    try {
                        List<String> violations = SCHEMA.violations(new ObjectMapper().readTree(r.value()));
                        assertEquals(List.of(), violations, "the event conforms to checkpoint-event.schema.json");
                        events.add(parse(r.value()));
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
                return events.size() >= expected;
            });
            for (int i = 0; i < 3; i++) { // a duplicate would show up here
                for (ConsumerRecord<byte[], byte[]> r : StackKafka.poll(consumer)) {
                    events.add(parse(r.value()));
                }
            }
        }
        return events;
    }

    private static CheckpointEvent parse(byte[] json) {
        try {
            return CheckpointEvent.fromJson(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<Long> completedCheckpoints(S3Client s3, LocalStack stack, String id) {
        return s3.listObjectsV2Paginator(b -> b.bucket(stack.bucket()).prefix(id + "/checkpoints/")).contents().stream()
                .map(o -> o.key())
                .filter(k -> k.endsWith("/_metadata"))
                .map(k -> Long.parseLong(k.replaceAll(".*/chk-(\\d+)/_metadata", "$1")))
                .toList();
    }

    /** HEAD, not a listing: s3mock still lists objects deleted in a versioned bucket. */
    private static boolean exists(S3Client s3, LocalStack stack, String key) {
        try {
            s3.headObject(b -> b.bucket(stack.bucket()).key(key));
            return true;
        } catch (NoSuchKeyException e) {
            return false;
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return false;
            }
            throw e;
        }
    }

    private static byte[] get(S3Client s3, URI uri) {
        return s3.getObjectAsBytes(
                        b -> b.bucket(uri.getHost()).key(uri.getPath().substring(1)))
                .asByteArray();
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
