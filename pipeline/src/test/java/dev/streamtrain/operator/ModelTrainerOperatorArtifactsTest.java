package dev.streamtrain.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamtrain.events.CheckpointEvent;
import dev.streamtrain.events.EventRecord;
import dev.streamtrain.sample.Sample;
import dev.streamtrain.sample.SampleBlock;
import dev.streamtrain.sample.SampleFormat;
import dev.streamtrain.sample.synthetic.TeacherStream;
import dev.streamtrain.store.ArtifactLayout;
import dev.streamtrain.store.ArtifactSettings;
import dev.streamtrain.store.InMemoryObjectStore;
import dev.streamtrain.store.LatestPointer;
import dev.streamtrain.store.Manifest;
import dev.streamtrain.store.RetentionPolicy;
import dev.streamtrain.store.RunKey;
import dev.streamtrain.trainer.EpochPolicy;
import dev.streamtrain.trainer.ModelSpec;
import dev.streamtrain.trainer.RunLineage;
import dev.streamtrain.trainer.TrainingReport;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * The trainer operator with artifacts, under Flink's operator test harness and an in-memory object
 * store: epoch-windows (by sample count and by event time, with explicit watermarks), the uploads,
 * the events on the side output, retention, restore, and a failed upload — without Kafka or S3.
 */
class ModelTrainerOperatorArtifactsTest {
    private static final ModelSpec SPEC = ModelSpec.builder()
            .kind(ModelSpec.Kind.MLP)
            .inputDim(8)
            .hiddenSizes(16)
            .outputDim(1)
            .optimizer(ModelSpec.Optimizer.ADAM)
            .learningRate(1e-2f)
            .batchSize(16)
            .seed(7)
            .device(ModelSpec.DeviceChoice.CPU)
            .build();
    private static final ArtifactSettings ARTIFACTS =
            new ArtifactSettings("bucket", new RunKey("exp", "run-1", "m"), false, null);
    private static final ArtifactLayout LAYOUT = ARTIFACTS.layout();
    private static final String CHECKPOINTS = "s3://bucket/checkpoints";

    private final InMemoryObjectStore store = new InMemoryObjectStore();
    private final TeacherStream teacher = TeacherStream.builder()
            .format(SampleFormat.BINARY)
            .featureDim(8)
            .regression(1)
            .seed(3)
            .build();
    private long nextOffset;

    private TrainerSettings.Builder settings() {
        return TrainerSettings.builder(SPEC)
                .reportEverySamples(1_000)
                .artifacts(ARTIFACTS)
                .objectSink(store)
                .lineage(new RunLineage(2, CHECKPOINTS, true));
    }

    private static OneInputStreamOperatorTestHarness<SampleBlock, TrainingReport> harness(TrainerSettings settings)
            throws Exception {
        return new OneInputStreamOperatorTestHarness<>(new ModelTrainerOperator(settings));
    }

    /** {@code count} samples from partition 0 of "samples", at consecutive offsets, all at {@code eventTime}. */
    private void feed(OneInputStreamOperatorTestHarness<SampleBlock, TrainingReport> h, int count, long eventTime)
            throws Exception {
        for (int i = 0; i < count; i++) {
            Sample s = teacher.next();
            s.topic = "samples";
            s.partition = 0;
            s.offset = nextOffset++;
            s.eventTimeMillis = eventTime;
            h.processElement(SampleBlocks.of(List.of(s)), eventTime);
        }
    }

    /** The events emitted so far, in order, and clears them. */
    private static List<CheckpointEvent> takeEvents(OneInputStreamOperatorTestHarness<SampleBlock, TrainingReport> h)
            throws IOException {
        List<CheckpointEvent> events = new ArrayList<>();
        var records = h.getSideOutput(ModelTrainerOperator.CHECKPOINT_EVENTS);
        if (records != null) {
            for (StreamRecord<EventRecord> r : records) {
                EventRecord record = r.getValue();
                CheckpointEvent event = CheckpointEvent.fromJson(record.json);
                assertEquals("exp/run-1/m", record.key, "keyed by model");
                events.add(event);
            }
            records.clear();
        }
        return events;
    }

    private Manifest manifest(long epoch) throws IOException {
        byte[] json = store.get(LAYOUT.uri(LAYOUT.manifestKey(epoch)));
        assertNotNull(json, "manifest of epoch " + epoch);
        return Manifest.fromJson(json);
    }

    private boolean epochExists(long epoch) {
        return store.keys().stream()
                .anyMatch(
                        k -> k.startsWith(LAYOUT.uri(LAYOUT.epochPrefix(epoch)).toString()));
    }

    private static List<String> typesAndEpochs(List<CheckpointEvent> events) {
        return events.stream().map(e -> e.type() + " " + e.epoch()).toList();
    }

    @Test
    void windowsBecomeArtifactsWhoseEventsCommitWithTheNextCheckpointAndRetentionDeletesTheOldOnes() throws Exception {
        TrainerSettings settings = settings()
                .epochPolicy(EpochPolicy.everySamples(32))
                .retention(new RetentionPolicy(2, 0))
                .retainedCheckpoints(1)
                .build();
        String committed = CheckpointEvent.EPOCH_COMMITTED + " ";
        String deleted = CheckpointEvent.EPOCH_DELETED + " ";
        OperatorSubtaskState snapshot;
        try (var h = harness(settings)) {
            h.open();
            feed(h, 64, 1_000); // epochs 1 and 2
            assertEquals(List.of(), takeEvents(h), "no event before the barrier");

            h.prepareSnapshotPreBarrier(1);
            List<CheckpointEvent> first = takeEvents(h);
            assertEquals(List.of(committed + 1, committed + 2), typesAndEpochs(first));
            String jobId = first.get(0).flinkJobId();
            for (CheckpointEvent e : first) {
                assertEquals(1L, e.checkpointId());
                assertEquals(CHECKPOINTS + "/" + jobId + "/chk-1", e.checkpointPath());
                assertEquals(2, e.attempt(), "the attempt of the lineage setting");
                assertEquals(e.epoch() * 32, e.samplesTotal());
                assertEquals(LAYOUT.uri(LAYOUT.manifestKey(e.epoch())).toString(), e.manifestUri());
                assertEquals(manifest(e.epoch()), e.manifest(), "the manifest as written");
                byte[] model = store.get(URI.create(e.modelUri()));
                assertEquals(model.length, e.modelSizeBytes());
                assertEquals(TrainingReports.sha256(model), e.modelSha256());
            }
            assertEquals(32, manifest(1).sampleCount());
            assertEquals(
                    Map.of("samples-0", new Manifest.OffsetRange(0, 31)),
                    manifest(1).kafkaOffsets());
            assertEquals(
                    Map.of("samples-0", new Manifest.OffsetRange(32, 63)),
                    manifest(2).kafkaOffsets());
            assertEquals(2, manifest(1).attempt());
            assertEquals(
                    2,
                    LatestPointer.fromJson(store.get(LAYOUT.uri(LAYOUT.latestKey())))
                            .epoch());

            feed(h, 32, 1_000); // epoch 3
            h.prepareSnapshotPreBarrier(2);
            assertEquals(
                    List.of(committed + 3),
                    typesAndEpochs(takeEvents(h)),
                    "keep-last 2 starts deleting epoch 1 now; its event comes with the next checkpoint");

            feed(h, 32, 1_000); // epoch 4
            h.prepareSnapshotPreBarrier(3);
            List<CheckpointEvent> third = takeEvents(h);
            assertEquals(List.of(deleted + 1, committed + 4), typesAndEpochs(third));
            assertEquals(
                    LAYOUT.uri(LAYOUT.epochPrefix(1)).toString(), third.get(0).artifactUri());
            assertNull(third.get(0).manifest());
            assertEquals(3L, third.get(0).checkpointId());
            assertFalse(epochExists(1), "epoch 1's objects are gone: " + store.keys());
            // epoch 2's deletion has started now: the snapshot does not record it as done
            snapshot = h.snapshot(3, 3);
        }

        // a restore keeps the ledger: the unannounced deletion is redone, epochs keep counting
        try (var h = harness(settings)) {
            h.initializeState(snapshot);
            h.open();
            feed(h, 32, 1_000); // epoch 5
            h.prepareSnapshotPreBarrier(4);
            assertEquals(List.of(committed + 5), typesAndEpochs(takeEvents(h)));
            h.endInput();
            List<CheckpointEvent> last = takeEvents(h);
            assertEquals(
                    List.of(deleted + 2, deleted + 3),
                    typesAndEpochs(last),
                    "end of input announces the deletions it started (checkpoints 4 and 3 keep 5 and 4)");
            assertNull(last.get(0).checkpointId(), "no checkpoint follows the end of input");
            assertFalse(epochExists(2) || epochExists(3), store.keys().toString());
            assertTrue(epochExists(4) && epochExists(5));
            assertEquals(
                    5,
                    LatestPointer.fromJson(store.get(LAYOUT.uri(LAYOUT.latestKey())))
                            .epoch());
            List<TrainingReport> reports = h.extractOutputValues();
            assertTrue(reports.get(reports.size() - 1).last);
        }
    }

    @Test
    void eventTimeWindowsCloseWhenTheWatermarkPassesTheirEnd() throws Exception {
        TrainerSettings settings = settings()
                .epochPolicy(EpochPolicy.eventTime(Duration.ofSeconds(10)))
                .build();
        try (var h = harness(settings)) {
            h.open();
            feed(h, 32, 3_000); // window [0, 10 s)
            h.processWatermark(new Watermark(9_999));
            h.prepareSnapshotPreBarrier(1);
            assertEquals(List.of(), takeEvents(h), "the window is still open at 9.999 s");

            h.processWatermark(new Watermark(10_000)); // closes epoch 1; epoch 2 ends one span later, at 20 s
            feed(h, 16, 15_000);
            feed(h, 5, 16_000); // stays in the partial batch: not part of any window yet
            h.processWatermark(new Watermark(40_000)); // closes epoch 2; the empty span [20 s, 30 s) closes nothing
            h.prepareSnapshotPreBarrier(2);
            List<CheckpointEvent> events = takeEvents(h);
            assertEquals(
                    List.of(1L, 2L), events.stream().map(CheckpointEvent::epoch).toList());
            assertEquals(
                    List.of(32L, 16L),
                    List.of(manifest(1).sampleCount(), manifest(2).sampleCount()));
            assertEquals(new Manifest.EventTimeRange(3_000, 3_000), manifest(1).eventTime());
            assertEquals(
                    new Manifest.EventTimeRange(15_000, 15_000), manifest(2).eventTime());

            h.processWatermark(new Watermark(Long.MAX_VALUE)); // no window is open: nothing closes
            h.endInput();
            assertEquals(List.of(), takeEvents(h), "the 5 pending samples were never trained");
            assertEquals(5, h.extractOutputValues().get(h.extractOutputValues().size() - 1).pendingSamples);
        }
    }

    @Test
    void aFailedUploadFailsTheNextSampleOnTheTaskThread() throws Exception {
        TrainerSettings settings =
                settings().epochPolicy(EpochPolicy.everySamples(16)).build();
        store.failWritesTo(ArtifactLayout.OPTIMIZER_FILE);
        String expected = "writing the artifact of epoch 1 failed: injected failure writing "
                + LAYOUT.uri(LAYOUT.optimizerKey(1));
        try (var h = harness(settings)) {
            h.open();
            feed(h, 16, 1_000); // epoch 1 closes; its upload fails in the background
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            IOException failed = assertThrows(IOException.class, () -> {
                while (System.nanoTime() < deadline) {
                    feed(h, 1, 1_000);
                }
            });
            assertEquals(expected, failed.getMessage());
            IOException atBarrier = assertThrows(IOException.class, () -> h.prepareSnapshotPreBarrier(1));
            assertEquals(expected, atBarrier.getMessage());
            assertNull(store.get(LAYOUT.uri(LAYOUT.manifestKey(1))), "never committed");
            assertEquals(List.of(), takeEvents(h), "no event for an artifact that is not durable");
        }
    }

    @Test
    void settingsAreValidatedWhenBuilt() {
        IllegalArgumentException noReports = assertThrows(
                IllegalArgumentException.class,
                () -> TrainerSettings.builder(SPEC).reportEverySamples(0).build());
        assertEquals("reportEverySamples must be positive, got 0", noReports.getMessage());
        IllegalArgumentException nothingToDelete = assertThrows(
                IllegalArgumentException.class,
                () -> TrainerSettings.builder(SPEC)
                        .retention(new RetentionPolicy(2, 0))
                        .build());
        assertEquals(
                "retention (keep-last 2, keep-best 0 by meanLoss) needs artifacts to delete",
                nothingToDelete.getMessage());
        assertEquals(
                1,
                TrainerSettings.builder(SPEC).retainedCheckpoints(0).build().retainedCheckpoints(),
                "below 1 counts as 1, as in Flink");
    }
}
