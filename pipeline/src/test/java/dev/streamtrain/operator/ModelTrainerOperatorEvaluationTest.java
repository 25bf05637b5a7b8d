package dev.streamtrain.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamtrain.eval.EvalSettings;
import dev.streamtrain.eval.PageHinkley;
import dev.streamtrain.events.CheckpointEvent;
import dev.streamtrain.events.EventRecord;
import dev.streamtrain.sample.Sample;
import dev.streamtrain.sample.SampleBlock;
import dev.streamtrain.sample.SampleFormat;
import dev.streamtrain.sample.synthetic.TeacherStream;
import dev.streamtrain.store.ArtifactSettings;
import dev.streamtrain.store.HoldoutMetrics;
import dev.streamtrain.store.InMemoryObjectStore;
import dev.streamtrain.store.Manifest;
import dev.streamtrain.store.PrequentialMetrics;
import dev.streamtrain.store.RunKey;
import dev.streamtrain.trainer.EpochPolicy;
import dev.streamtrain.trainer.ModelSpec;
import dev.streamtrain.trainer.TrainingReport;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * Evaluation under Flink's operator harness: a restore from a snapshot taken mid-window (holdout
 * rows kept, a partial batch pending, the drift detector part-way) gives the same holdout metrics,
 * the same drift event at the same batch and the same weights as a run without the restore.
 */
class ModelTrainerOperatorEvaluationTest {
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
    private static final int SAMPLES = 1200;
    private static final int SHIFT_AT = 700;
    private static final int CUT_AT_BLOCK = 27; // 27 blocks of 16: mid-window, before the shift

    /** The comparable part of an event: what it says, not when, how fast or under which checkpoint. */
    private record Said(
            String type,
            long epoch,
            HoldoutMetrics holdout,
            PrequentialMetrics prequential,
            CheckpointEvent.Drift drift,
            long samplesTotal) {
        static Said of(CheckpointEvent e) {
            Manifest.Metrics m = e.manifest() == null ? null : e.manifest().metrics();
            return new Said(
                    e.type(),
                    e.epoch(),
                    m == null ? null : m.holdout(),
                    m == null ? null : m.prequential(),
                    e.drift(),
                    e.samplesTotal());
        }
    }

    private static List<SampleBlock> blocks() {
        TeacherStream teacher = TeacherStream.builder()
                .format(SampleFormat.BINARY)
                .featureDim(8)
                .regression(1)
                .seed(3)
                .build();
        List<Sample> samples = new ArrayList<>();
        for (int i = 0; i < SAMPLES; i++) {
            Sample s = teacher.next();
            s.topic = "samples";
            s.partition = 0;
            s.offset = i;
            s.eventTimeMillis = 1_000L + i;
            if (i >= SHIFT_AT) {
                s.label[0] += 5f; // labels move: the loss rises, the detector must see it
            }
            samples.add(s);
        }
        return SampleBlocks.cut(samples, 16);
    }

    private static TrainerSettings settings() {
        return TrainerSettings.builder(SPEC)
                .reportEverySamples(1_000_000)
                .epochPolicy(EpochPolicy.everySamples(128))
                .artifacts(new ArtifactSettings("bucket", new RunKey("exp", "run", "m"), false, null))
                .objectSink(new InMemoryObjectStore())
                .eval(new EvalSettings(0.2, 4096, new PageHinkley.Settings(0.005, 5.0, 10)))
                .build();
    }

    private static List<CheckpointEvent> takeEvents(OneInputStreamOperatorTestHarness<SampleBlock, TrainingReport> h)
            throws Exception {
        List<CheckpointEvent> events = new ArrayList<>();
        var records = h.getSideOutput(ModelTrainerOperator.CHECKPOINT_EVENTS);
        if (records != null) {
            for (StreamRecord<EventRecord> r : records) {
                events.add(CheckpointEvent.fromJson(r.getValue().json));
            }
            records.clear();
        }
        return events;
    }

    private static TrainingReport lastReport(OneInputStreamOperatorTestHarness<SampleBlock, TrainingReport> h) {
        List<TrainingReport> reports = h.extractOutputValues();
        return reports.get(reports.size() - 1);
    }

    @Test
    void aRestoreMidWindowScoresTheSameHoldoutAndSignalsDriftAtTheSameBatch() throws Exception {
        List<SampleBlock> blocks = blocks();
        List<CheckpointEvent> uninterrupted;
        TrainingReport uninterruptedLast;
        try (var h = new OneInputStreamOperatorTestHarness<>(new ModelTrainerOperator(settings()))) {
            h.open();
            for (SampleBlock b : blocks) {
                h.processElement(b, 0);
            }
            h.endInput();
            uninterrupted = takeEvents(h);
            uninterruptedLast = lastReport(h);
        }

        List<CheckpointEvent> restored = new ArrayList<>();
        OperatorSubtaskState snapshot;
        try (var h = new OneInputStreamOperatorTestHarness<>(new ModelTrainerOperator(settings()))) {
            h.open();
            for (SampleBlock b : blocks.subList(0, CUT_AT_BLOCK)) {
                h.processElement(b, 0);
            }
            h.prepareSnapshotPreBarrier(1);
            restored.addAll(takeEvents(h));
            snapshot = h.snapshot(1, 1);
        }
        TrainingReport restoredLast;
        try (var h = new OneInputStreamOperatorTestHarness<>(new ModelTrainerOperator(settings()))) {
            h.initializeState(snapshot);
            h.open();
            for (SampleBlock b : blocks.subList(CUT_AT_BLOCK, blocks.size())) {
                h.processElement(b, 0);
            }
            h.endInput();
            restored.addAll(takeEvents(h));
            restoredLast = lastReport(h);
        }

        List<Said> expected = uninterrupted.stream().map(Said::of).toList();
        assertEquals(expected, restored.stream().map(Said::of).toList(), "the same events, metrics and drift");
        assertEquals(uninterruptedLast.stateSha256, restoredLast.stateSha256, "the same weights, bitwise");
        CheckpointEvent drift = uninterrupted.stream()
                .filter(e -> CheckpointEvent.DRIFT_DETECTED.equals(e.type()))
                .findFirst()
                .orElseThrow(() -> new AssertionError("the label shift raised a drift event: " + expected));
        Manifest.OffsetRange batch = drift.drift().batchOffsets().get("samples-0");
        assertTrue(batch.last() >= SHIFT_AT, "the signal's batch holds shifted rows: " + drift.drift());
        assertTrue(batch.first() >= CUT_AT_BLOCK * 16L, "it came after the restore: the restored detector signalled");
        assertEquals(1, expected.stream().filter(e -> e.drift() != null).count(), "one shift, one signal");
        assertTrue(drift.drift().statistic() > drift.drift().threshold());
        uninterrupted.stream()
                .filter(e -> CheckpointEvent.EPOCH_COMMITTED.equals(e.type()))
                .forEach(e -> {
                    assertNotNull(e.manifest().metrics().holdout(), "epoch " + e.epoch() + " has holdout rows");
                    assertNotNull(e.manifest().metrics().prequential());
                });
    }
}
