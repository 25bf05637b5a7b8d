package dev.streamtrain.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamtrain.eval.EvalSettings;
import dev.streamtrain.eval.PromotionGate;
import dev.streamtrain.events.CheckpointEvent;
import dev.streamtrain.events.EventRecord;
import dev.streamtrain.sample.LabelKind;
import dev.streamtrain.sample.Sample;
import dev.streamtrain.sample.SampleBlock;
import dev.streamtrain.sample.SampleFormat;
import dev.streamtrain.sample.synthetic.TeacherStream;
import dev.streamtrain.store.ArtifactLayout;
import dev.streamtrain.store.ArtifactSettings;
import dev.streamtrain.store.InMemoryObjectStore;
import dev.streamtrain.store.LatestPointer;
import dev.streamtrain.store.RunKey;
import dev.streamtrain.trainer.EpochPolicy;
import dev.streamtrain.trainer.ModelSpec;
import dev.streamtrain.trainer.TrainingReport;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * Metric-gated promotion under Flink's operator harness, on a stream whose labels shift part-way:
 * each epoch's verdict follows the gate's rule from the holdout losses, {@code latest} names the
 * last promoted epoch, and a restore from a snapshot taken after the shift (the promoted epoch's
 * metric in the {@code promoted-metric} state) gives the same verdicts and reasons.
 */
class ModelTrainerOperatorPromotionTest {
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
    private static final RunKey KEY = new RunKey("exp", "run", "m");
    private static final ArtifactLayout LAYOUT = new ArtifactLayout("bucket", KEY);
    private static final int SAMPLES = 1200;
    private static final int SHIFT_AT = 700;
    private static final int CUT_AT_BLOCK = 50; // 800 samples: after the shift, mid-window
    private static final PromotionGate GATE = PromotionGate.onMetric("loss", LabelKind.REGRESSION, null, 0.0);

    private record Verdict(long epoch, Boolean promoted, String reason) {
        static Verdict of(CheckpointEvent e) {
            assertEquals(e.promoted(), e.manifest().promoted(), "event and manifest agree");
            assertEquals(e.promotionReason(), e.manifest().promotionReason());
            return new Verdict(e.epoch(), e.promoted(), e.promotionReason());
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
                s.label[0] += 5f; // the labels move: the holdout loss of the next windows rises
            }
            samples.add(s);
        }
        return SampleBlocks.cut(samples, 16);
    }

    private static TrainerSettings settings(InMemoryObjectStore store) {
        return TrainerSettings.builder(SPEC)
                .reportEverySamples(1_000_000)
                .epochPolicy(EpochPolicy.everySamples(128))
                .artifacts(new ArtifactSettings("bucket", KEY, false, null))
                .objectSink(store)
                .eval(new EvalSettings(0.2, 4096, null))
                .promotion(GATE)
                .build();
    }

    private static List<CheckpointEvent> committed(OneInputStreamOperatorTestHarness<SampleBlock, TrainingReport> h)
            throws Exception {
        List<CheckpointEvent> events = new ArrayList<>();
        var records = h.getSideOutput(ModelTrainerOperator.CHECKPOINT_EVENTS);
        if (records != null) {
            for (StreamRecord<EventRecord> r : records) {
                CheckpointEvent e = CheckpointEvent.fromJson(r.getValue().json);
                if (CheckpointEvent.EPOCH_COMMITTED.equals(e.type())) {
                    events.add(e);
                }
            }
            records.clear();
        }
        return events;
    }

    @Test
    void latestStopsAtTheLastGoodEpochAndARestoreDecidesTheSame() throws Exception {
        List<SampleBlock> blocks = blocks();
        InMemoryObjectStore store = new InMemoryObjectStore();
        List<CheckpointEvent> uninterrupted;
        try (var h = new OneInputStreamOperatorTestHarness<>(new ModelTrainerOperator(settings(store)))) {
            h.open();
            for (SampleBlock b : blocks) {
                h.processElement(b, 0);
            }
            h.endInput();
            uninterrupted = committed(h);
        }

        // the rule, applied here to the holdout losses the events report
        OptionalDouble best = OptionalDouble.empty();
        long lastPromoted = -1;
        long heldBack = 0;
        for (CheckpointEvent e : uninterrupted) {
            assertNotNull(e.manifest().metrics().holdout(), "epoch " + e.epoch() + " has holdout rows");
            double loss = e.manifest().metrics().holdout().loss();
            boolean expected = best.isEmpty() || loss <= best.getAsDouble();
            assertEquals(expected, e.promoted(), "epoch " + e.epoch() + ": " + e.promotionReason());
            assertNotNull(e.promotionReason());
            if (expected) {
                best = OptionalDouble.of(loss);
                lastPromoted = e.epoch();
            } else {
                heldBack++;
                assertTrue(e.promotionReason().endsWith(": worse"), e.promotionReason());
            }
        }
        assertTrue(heldBack > 0, "the shifted labels made some epoch worse: " + uninterrupted);
        long newest = uninterrupted.get(uninterrupted.size() - 1).epoch();
        assertTrue(lastPromoted < newest, "latest stops before the newest epoch");
        assertEquals(
                lastPromoted,
                LatestPointer.fromJson(store.get(LAYOUT.uri(LAYOUT.latestKey())))
                        .epoch(),
                "latest names the last promoted epoch");
        assertNotNull(store.get(LAYOUT.uri(LAYOUT.manifestKey(newest))), "a held-back epoch is still written");

        InMemoryObjectStore store2 = new InMemoryObjectStore();
        List<CheckpointEvent> restored = new ArrayList<>();
        OperatorSubtaskState snapshot;
        try (var h = new OneInputStreamOperatorTestHarness<>(new ModelTrainerOperator(settings(store2)))) {
            h.open();
            for (SampleBlock b : blocks.subList(0, CUT_AT_BLOCK)) {
                h.processElement(b, 0);
            }
            h.prepareSnapshotPreBarrier(1);
            restored.addAll(committed(h));
            snapshot = h.snapshot(1, 1);
        }
        try (var h = new OneInputStreamOperatorTestHarness<>(new ModelTrainerOperator(settings(store2)))) {
            h.initializeState(snapshot);
            h.open();
            for (SampleBlock b : blocks.subList(CUT_AT_BLOCK, blocks.size())) {
                h.processElement(b, 0);
            }
            h.endInput();
            restored.addAll(committed(h));
        }
        assertEquals(
                uninterrupted.stream().map(Verdict::of).toList(),
                restored.stream().map(Verdict::of).toList(),
                "the same verdicts and reasons after a restore past the shift");
        assertEquals(
                lastPromoted,
                LatestPointer.fromJson(store2.get(LAYOUT.uri(LAYOUT.latestKey())))
                        .epoch());
    }

    @Test
    void ungatedPromotionLeavesEventsAsBefore() throws Exception {
        InMemoryObjectStore store = new InMemoryObjectStore();
        TrainerSettings always = TrainerSettings.builder(SPEC)
                .reportEverySamples(1_000_000)
                .epochPolicy(EpochPolicy.everySamples(128))
                .artifacts(new ArtifactSettings("bucket", KEY, false, null))
                .objectSink(store)
                .eval(new EvalSettings(0.2, 4096, null))
                .build();
        List<CheckpointEvent> events;
        try (var h = new OneInputStreamOperatorTestHarness<>(new ModelTrainerOperator(always))) {
            h.open();
            for (SampleBlock b : blocks()) {
                h.processElement(b, 0);
            }
            h.endInput();
            events = committed(h);
        }
        assertTrue(events.size() > 2);
        for (CheckpointEvent e : events) {
            assertNull(e.promoted(), "no promoted field without gating");
            assertNull(e.manifest().promoted());
            assertTrue(e.movedLatest());
        }
        assertEquals(
                events.get(events.size() - 1).epoch(),
                LatestPointer.fromJson(store.get(LAYOUT.uri(LAYOUT.latestKey())))
                        .epoch(),
                "latest follows every epoch");
    }
}
