package dev.streamtrain.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamtrain.events.CheckpointEvent;
import dev.streamtrain.events.EventRecord;
import dev.streamtrain.sample.DeadLetter;
import dev.streamtrain.sample.DeadLetterReason;
import dev.streamtrain.sample.Sample;
import dev.streamtrain.sample.SampleBlock;
import dev.streamtrain.sample.SampleEncoder;
import dev.streamtrain.sample.SampleFormat;
import dev.streamtrain.sample.synthetic.TeacherStream;
import dev.streamtrain.store.ArtifactLayout;
import dev.streamtrain.store.ArtifactSettings;
import dev.streamtrain.store.InMemoryObjectStore;
import dev.streamtrain.store.Manifest;
import dev.streamtrain.store.RunKey;
import dev.streamtrain.trainer.EpochPolicy;
import dev.streamtrain.trainer.ModelSpec;
import dev.streamtrain.trainer.TrainerState;
import dev.streamtrain.trainer.TrainingReport;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * The divergence guard under Flink's operator test harness with an in-memory object store: a stretch
 * of extreme (finite) labels makes it fire, restore the last good window, dead-letter the offending
 * batches and announce one {@code diverged} event; no artifact holds the poisoned weights; and a
 * failure and restore around the firing trains, skips and announces bitwise the same.
 */
class ModelTrainerOperatorGuardTest {
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
    /** Fires after 3 suspect batches in a row; the ratio test starts after 10 accepted batches. */
    private static final GuardSettings GUARD = new GuardSettings(true, 10.0, 3, 10, null);

    private static final int CLEAN_BEFORE = 800;
    private static final int POISONED = 80;
    private static final int TOTAL = 1_280;

    /** Teacher samples at offsets 0..1279; offsets 800..879 carry the label 1e4 (loss ~1e8 against ~1). */
    private static List<Sample> stream() {
        TeacherStream teacher = TeacherStream.builder()
                .format(SampleFormat.BINARY)
                .featureDim(8)
                .regression(1)
                .seed(3)
                .build();
        List<Sample> out = new ArrayList<>();
        for (int i = 0; i < TOTAL; i++) {
            Sample s = teacher.next();
            s.topic = "samples";
            s.partition = 0;
            s.offset = i;
            s.eventTimeMillis = 1_000_000L + i;
            if (i >= CLEAN_BEFORE && i < CLEAN_BEFORE + POISONED) {
                s.label = new float[] {1e4f};
            }
            out.add(s);
        }
        return out;
    }

    private static OneInputStreamOperatorTestHarness<SampleBlock, TrainingReport> harness(InMemoryObjectStore store)
            throws Exception {
        TrainerSettings settings = TrainerSettings.builder(SPEC)
                .reportEverySamples(10_000)
                .artifacts(ARTIFACTS)
                .objectSink(store)
                .epochPolicy(EpochPolicy.everySamples(64))
                .guard(GUARD)
                .build();
        return new OneInputStreamOperatorTestHarness<>(new ModelTrainerOperator(settings));
    }

    /** What a run leaves behind. */
    private record Outcome(TrainingReport last, List<DeadLetter> deadLetters, List<CheckpointEvent> events) {}

    private static void feed(
            OneInputStreamOperatorTestHarness<SampleBlock, TrainingReport> h, List<Sample> samples, int... blockSizes)
            throws Exception {
        for (SampleBlock b : SampleBlocks.cut(samples, blockSizes)) {
            h.processElement(b, 0L);
        }
    }

    private static Outcome finish(
            OneInputStreamOperatorTestHarness<SampleBlock, TrainingReport> h,
            List<DeadLetter> earlierDeadLetters,
            List<CheckpointEvent> earlierEvents)
            throws Exception {
        h.endInput();
        List<DeadLetter> deadLetters = new ArrayList<>(earlierDeadLetters);
        deadLetters.addAll(deadLetters(h));
        List<CheckpointEvent> events = new ArrayList<>(earlierEvents);
        events.addAll(events(h));
        List<TrainingReport> reports = h.extractOutputValues();
        return new Outcome(reports.get(reports.size() - 1), deadLetters, events);
    }

    private static List<DeadLetter> deadLetters(OneInputStreamOperatorTestHarness<SampleBlock, TrainingReport> h) {
        var records = h.getSideOutput(ModelTrainerOperator.DIVERGED_SAMPLES);
        return records == null
                ? List.of()
                : records.stream().map(StreamRecord::getValue).toList();
    }

    private static List<CheckpointEvent> events(OneInputStreamOperatorTestHarness<SampleBlock, TrainingReport> h)
            throws Exception {
        var records = h.getSideOutput(ModelTrainerOperator.CHECKPOINT_EVENTS);
        List<CheckpointEvent> out = new ArrayList<>();
        if (records != null) {
            for (StreamRecord<EventRecord> r : records) {
                out.add(CheckpointEvent.fromJson(r.getValue().json));
            }
        }
        return out;
    }

    private static Outcome uninterrupted(InMemoryObjectStore store) throws Exception {
        try (var h = harness(store)) {
            h.open();
            feed(h, stream(), 16);
            return finish(h, List.of(), List.of());
        }
    }

    @Test
    void extremeLabelsFireTheGuardWhichRestoresSkipsAndAnnounces() throws Exception {
        InMemoryObjectStore store = new InMemoryObjectStore();
        Outcome run = uninterrupted(store);

        // the three poisoned batches that fired, and the two that followed while alert: all 80 samples
        assertEquals(POISONED, run.deadLetters().size());
        List<Sample> stream = stream();
        for (int i = 0; i < POISONED; i++) {
            DeadLetter d = run.deadLetters().get(i);
            Sample original = stream.get(CLEAN_BEFORE + i);
            assertEquals(DeadLetterReason.DIVERGED, d.reason);
            assertEquals("samples", d.topic);
            assertEquals(CLEAN_BEFORE + i, d.offset);
            assertTrue(
                    Arrays.equals(SampleEncoder.binary(original.features, original.label), d.originalValue),
                    "a BINARY sample's value is its record's bytes");
        }

        List<CheckpointEvent> diverged = run.events().stream()
                .filter(e -> e.type().equals(CheckpointEvent.DIVERGED))
                .toList();
        assertEquals(1, diverged.size(), "one episode, one event: " + run.events());
        CheckpointEvent event = diverged.get(0);
        // epochs of 64 samples: epoch 12 closed at sample 768, epoch 13 had 32 clean samples when the poison came
        assertEquals(12, event.epoch(), "the restored epoch");
        assertEquals(LAYOUT.uri(LAYOUT.epochPrefix(12)).toString(), event.artifactUri());
        CheckpointEvent.Divergence d = event.divergence();
        assertEquals("LOSS_SPIKE", d.trigger());
        assertEquals(3, d.firings(), "3 suspect batches in a row, then each of the 2 poisoned batches while alert");
        assertEquals(POISONED, d.skippedSamples());
        assertEquals(
                new Manifest.OffsetRange(CLEAN_BEFORE, CLEAN_BEFORE + POISONED - 1),
                d.skippedOffsets().get("samples-0"));
        assertEquals(32 + POISONED, d.discardedSamples(), "epoch 13's clean head was undone with the poison");
        assertTrue(d.loss() > 10 * d.runningMean(), d.loss() + " vs " + d.runningMean());

        // the events stay in order: the diverged one between epoch 12's and epoch 13's commits
        List<String> order =
                run.events().stream().map(e -> e.type() + " " + e.epoch()).toList();
        assertEquals(order.indexOf("epoch-committed 12") + 1, order.indexOf("diverged 12"), order.toString());
        // the model holds every clean sample once: the undone head of epoch 13 is not replayed (it was trained, then
        // undone)
        assertEquals(TOTAL - POISONED - 32, run.last().samplesTrained);

        // no artifact holds poisoned weights: every manifest's loss is of the clean scale, every weight finite
        for (CheckpointEvent e : run.events()) {
            if (e.type().equals(CheckpointEvent.EPOCH_COMMITTED)) {
                Manifest m = e.manifest();
                assertTrue(
                        m.metrics().meanLoss() < 100,
                        "epoch " + m.epoch() + " mean loss " + m.metrics().meanLoss());
                assertEquals("cpu()", m.device());
                assertNotNull(m.eventTimeLagMillis(), "the samples carried event times");
                assertTrue(m.eventTimeLagMillis() > 0, "the event times are from 1970");
                assertEquals(m.eventTimeLagMillis(), e.eventTimeLagMillis());
                assertEquals(m.device(), e.device());
            }
        }
        assertTrue(DivergenceGuard.finite(TrainerState.fromBytes(run.last().state)));
    }

    /**
     * A failure after the second suspect batch (the streak undecided, in the snapshot) and another
     * after the first firing (the episode open) change nothing: weights, dead letters and events bitwise equal.
     */
    @Test
    void failuresAroundAFiringTrainSkipAndAnnounceTheSameBits() throws Exception {
        Outcome expected = uninterrupted(new InMemoryObjectStore());
        List<Sample> stream = stream();

        for (int cut : new int[] {CLEAN_BEFORE + 32, CLEAN_BEFORE + 48}) {
            InMemoryObjectStore store = new InMemoryObjectStore();
            OperatorSubtaskState snapshot;
            List<DeadLetter> before;
            List<CheckpointEvent> eventsBefore;
            try (var first = harness(store)) {
                first.open();
                feed(first, stream.subList(0, cut), 16);
                first.prepareSnapshotPreBarrier(1);
                snapshot = first.snapshot(1, 1);
                before = deadLetters(first);
                eventsBefore = events(first);
                feed(first, stream.subList(cut, cut + 64), 16); // lost with the failure
            }
            Outcome resumed;
            try (var second = harness(store)) {
                second.initializeState(snapshot);
                second.open();
                // the replay is cut into other blocks, as a batcher flushing at the barrier would
                feed(second, stream.subList(cut, TOTAL), 7, 32, 16);
                resumed = finish(second, before, eventsBefore);
            }
            assertEquals(expected.last().stateSha256, resumed.last().stateSha256, "weights and moments, cut at " + cut);
            assertEquals(expected.last().samplesTrained, resumed.last().samplesTrained);
            assertEquals(expected.deadLetters(), resumed.deadLetters(), "the same dead letters, cut at " + cut);
            assertEquals(divergences(expected.events()), divergences(resumed.events()), "the same diverged event");
        }
    }

    private static List<CheckpointEvent.Divergence> divergences(List<CheckpointEvent> events) {
        return events.stream()
                .filter(e -> e.type().equals(CheckpointEvent.DIVERGED))
                .map(CheckpointEvent::divergence)
                .toList();
    }

    @Test
    void withTheGuardOffThePoisonReachesTheModel() throws Exception {
        TrainerSettings settings = TrainerSettings.builder(SPEC)
                .reportEverySamples(10_000)
                .epochPolicy(EpochPolicy.everySamples(64))
                .guard(GuardSettings.disabled())
                .build();
        try (var h = new OneInputStreamOperatorTestHarness<>(new ModelTrainerOperator(settings))) {
            h.open();
            feed(h, stream(), 16);
            h.endInput();
            assertEquals(List.of(), deadLetters(h));
            List<TrainingReport> reports = h.extractOutputValues();
            assertEquals(TOTAL, reports.get(reports.size() - 1).samplesTrained, "every sample trained");
        }
    }
}
