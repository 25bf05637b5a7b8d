package dev.streamtrain.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamtrain.events.CheckpointEvent;
import dev.streamtrain.jobs.config.JobConfig;
import dev.streamtrain.localstack.Await;
import dev.streamtrain.localstack.LocalStack;
import dev.streamtrain.localstack.LocalStackExtension;
import dev.streamtrain.sample.Sample;
import dev.streamtrain.sample.SampleEncoder;
import dev.streamtrain.sample.synthetic.TeacherStream;
import dev.streamtrain.store.ArtifactReader;
import dev.streamtrain.store.Manifest;
import dev.streamtrain.store.RunKey;
import dev.streamtrain.store.S3Clients;
import dev.streamtrain.trainer.TrainingReport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Metric-gated promotion in the running job (issue 13): on a stream whose second half has shifted
 * labels, {@code latest} stops at the last epoch before the shift, the later epochs are still
 * written and announced with {@code promoted: false}, and retention (keep-last 1) never deletes the
 * promoted epoch while it deletes newer ones, and the drift detector signals at the shift and only
 * there. Real broker, real S3 server, Flink MiniCluster.
 */
@ExtendWith(LocalStackExtension.class)
class PromotionJobTest {
    private static final int HALF = 3200;
    private static final long WINDOW = 640;

    @Test
    void latestStopsAtTheLastGoodEpochWhileLaterEpochsAreWrittenAndAnnounced(LocalStack stack) throws Exception {
        TrainingJobFixture f = new TrainingJobFixture(stack, "promotion")
                .set("eval.holdout-fraction", "0.1")
                .set("store.promote-mode", "metric")
                .set("store.promote-metric", "mse")
                .set("store.keep-last", "1")
                .set("kafka.bounded", "true")
                .set("epoch.samples", String.valueOf(WINDOW));
        TeacherStream teacher = f.teacher().build();
        SampleEncoder encoder = new SampleEncoder(teacher.schema());
        List<TeacherStream.EncodedSample> records = new ArrayList<>(teacher.nextEncoded(HALF));
        for (int i = 0; i < HALF; i++) {
            Sample s = teacher.next();
            s.label[0] += 10f; // the second half's labels shift: every later holdout mse is far worse
            records.add(new TeacherStream.EncodedSample(encoder.encode(s), s.eventTimeMillis));
        }
        StackKafka.produce(stack.bootstrapServers(), f.samplesTopic, records);

        JobConfig config = f.config();
        List<TrainingReport> reports = OnlineTrainingJobTest.run(config, new FailOnceAfterCheckpoint(f.id, -1, 10));
        TrainingReport last = reports.get(reports.size() - 1);
        long windows = (last.samplesTrained + WINDOW - 1) / WINDOW;

        List<CheckpointEvent> committed = new ArrayList<>();
        List<Long> deleted = new ArrayList<>();
        List<CheckpointEvent> drifts = new ArrayList<>();
        readEvents(stack, f.eventsTopic, windows, committed, deleted, drifts);

        String partition = Manifest.partitionKey(f.samplesTopic, 0);
        long lastPromoted = -1;
        CheckpointEvent good = null;
        for (CheckpointEvent e : committed) {
            assertNotNull(e.promoted(), "epoch " + e.epoch() + " says whether it was promoted");
            assertEquals(e.promoted(), e.manifest().promoted(), "the event carries the manifest's verdict");
            assertNotNull(e.promotionReason());
            if (e.promoted()) {
                lastPromoted = e.epoch();
                good = e;
            }
        }
        assertNotNull(good, "an epoch before the shift was promoted: " + committed);
        assertTrue(
                good.manifest().kafkaOffsets().get(partition).last() < HALF,
                "the promoted epoch trained before the shift");
        for (CheckpointEvent e : committed) {
            if (e.epoch() > lastPromoted) {
                assertFalse(e.promoted(), "epoch " + e.epoch() + " after the last good one: " + e.promotionReason());
                assertTrue(e.promotionReason().endsWith(": worse"), e.promotionReason());
            }
        }
        assertTrue(
                committed.stream()
                        .anyMatch(
                                e -> e.manifest().kafkaOffsets().get(partition).first() >= HALF),
                "epochs wholly after the shift were written and announced");

        // the drift detector (the job's default settings) saw the shift, and only the shift
        assertFalse(drifts.isEmpty(), "the label shift raised a drift-detected event");
        for (CheckpointEvent d : drifts) {
            assertTrue(
                    d.drift().batchOffsets().get(partition).last() >= HALF,
                    "a drift signal only at a batch with shifted labels: " + d.drift());
            assertTrue(d.drift().statistic() > d.drift().threshold(), d.drift().toString());
        }

        try (S3Client s3 = S3Clients.create(stack.s3())) {
            ArtifactReader reader = new ArtifactReader(s3, stack.bucket());
            RunKey key = config.runKey();
            assertEquals(lastPromoted, reader.readLatest(key).epoch(), "latest names the last good epoch");
            assertEquals(
                    lastPromoted,
                    reader.readManifest(URI.create(good.manifestUri())).epoch(),
                    "the promoted epoch's artifact is still there");
        }
        long kept = lastPromoted;
        assertFalse(deleted.contains(kept), "retention never deleted the promoted epoch: " + deleted);
        assertTrue(
                deleted.stream().anyMatch(d -> d > kept),
                "keep-last 1 deleted newer, held-back epochs while keeping the promoted one: " + deleted);
    }

    /** Reads the finished bounded run's events: every one conforms to the schema. */
    private static void readEvents(
            LocalStack stack,
            String topic,
            long windows,
            List<CheckpointEvent> committed,
            List<Long> deleted,
            List<CheckpointEvent> drifts)
            throws Exception {
        JsonSchemaCheck schema = JsonSchemaCheck.checkpointEventSchema();
        ObjectMapper json = new ObjectMapper();
        try (KafkaConsumer<byte[], byte[]> consumer = StackKafka.readCommitted(stack.bootstrapServers(), topic)) {
            Await.until(Duration.ofSeconds(60), 0, windows + " epoch-committed events on " + topic, () -> {
                for (ConsumerRecord<byte[], byte[]> r : StackKafka.poll(consumer)) {
                    try {
                        assertEquals(List.of(), schema.violations(json.readTree(r.value())), "conforms to the schema");
                        CheckpointEvent e = CheckpointEvent.fromJson(r.value());
                        if (CheckpointEvent.EPOCH_COMMITTED.equals(e.type())) {
                            committed.add(e);
                        } else if (CheckpointEvent.EPOCH_DELETED.equals(e.type())) {
                            deleted.add(e.epoch());
                        } else if (CheckpointEvent.DRIFT_DETECTED.equals(e.type())) {
                            drifts.add(e);
                        }
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
                return committed.size() >= windows;
            });
            // the deletions of a bounded run's end are in the same final transaction: drain what is left
            for (ConsumerRecord<byte[], byte[]> r : StackKafka.poll(consumer)) {
                CheckpointEvent e = CheckpointEvent.fromJson(r.value());
                if (CheckpointEvent.EPOCH_DELETED.equals(e.type())) {
                    deleted.add(e.epoch());
                }
            }
        }
        assertEquals(windows, committed.size(), "one event per window");
    }
}
