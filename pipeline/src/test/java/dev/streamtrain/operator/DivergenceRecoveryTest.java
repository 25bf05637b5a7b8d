package dev.streamtrain.operator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.streamtrain.sample.DeadLetter;
import dev.streamtrain.sample.DeadLetterReason;
import dev.streamtrain.sample.Sample;
import dev.streamtrain.sample.SampleEncoder;
import dev.streamtrain.store.Manifest;
import dev.streamtrain.trainer.DjlTrainer;
import dev.streamtrain.trainer.ModelSpec;
import dev.streamtrain.trainer.TrainerState;
import dev.streamtrain.trainer.TrainingCounters;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What the trainer does with the guard's verdicts, on a real (CPU) trainer and without Flink. */
class DivergenceRecoveryTest {
    private static final ModelSpec SPEC = ModelSpec.builder()
            .kind(ModelSpec.Kind.MLP)
            .inputDim(4)
            .hiddenSizes(8)
            .outputDim(1)
            .optimizer(ModelSpec.Optimizer.ADAM)
            .learningRate(1e-2f)
            .batchSize(4)
            .seed(7)
            .device(ModelSpec.DeviceChoice.CPU)
            .build();
    /** Warm after one accepted batch; two suspect batches in a row fire. */
    private static final GuardSettings GUARD = new GuardSettings(true, 10.0, 2, 1, null);

    private DjlTrainer trainer;
    private TrainerState initial;
    private DivergenceGuard guard;
    private TrainingCounters counters;
    private DivergenceRecovery recovery;
    private final RecordingOutput out = new RecordingOutput(true);

    @BeforeEach
    void start() {
        trainer = DjlTrainer.create(SPEC);
        initial = trainer.snapshot();
        guard = DivergenceGuard.start(GUARD, new BatchBuffer(4, 4, 1), initial, 0, 0);
        counters = new TrainingCounters();
        recovery = new DivergenceRecovery(guard, null, trainer, counters);
    }

    @AfterEach
    void close() {
        trainer.close();
    }

    /** Four rows of partition 2 of "samples" at offsets {@code first}.., with distinct values. */
    private static BatchBuffer rows(long first) {
        BatchBuffer b = new BatchBuffer(4, 4, 1);
        for (int r = 0; r < 4; r++) {
            Sample s = new Sample();
            s.features = new float[] {first + r, 0.5f * r, -r, 1f};
            s.label = new float[] {first + r * 0.25f};
            s.topic = "samples";
            s.partition = 2;
            s.offset = first + r;
            s.eventTimeMillis = 7_000L + r;
            b.add(s);
        }
        return b;
    }

    private static Supplier<BatchBuffer> never() {
        return () -> fail("an accepted batch's rows are not copied");
    }

    /** Two trained batches of the open window 1 (ending at 5000), so that a restore has something to undo. */
    private EpochWindow trainedWindow() {
        BatchBuffer b = rows(0);
        trainer.trainBatch(b.features(), b.labels(), 4);
        trainer.trainBatch(b.features(), b.labels(), 4);
        counters.samplesTrained = 8;
        EpochWindow window = EpochWindow.first();
        window.samples = 8;
        window.batches = 2;
        window.endMillis = 5_000;
        return window;
    }

    @Test
    void onlyBatchesThatAreNotAcceptedLeaveTheirRowsWithTheGuard() {
        assertEquals(DivergenceGuard.Verdict.ACCEPT, recovery.judge(1.0f, never()));
        assertTrue(guard.quiet());
        List<BatchBuffer> asked = new ArrayList<>();
        assertEquals(DivergenceGuard.Verdict.SUSPECT, recovery.judge(50f, () -> {
            asked.add(rows(0));
            return asked.get(0);
        }));
        assertEquals(1, asked.size(), "the suspect batch's rows were asked for once");
        assertTrue(!guard.quiet(), "an undecided suspect batch keeps windows from closing");
        EpochWindow window = EpochWindow.first();
        assertSame(window, recovery.settle(DivergenceGuard.Verdict.SUSPECT, 50f, window, out), "a suspect batch");
        assertEquals(DivergenceGuard.Verdict.ACCEPT, recovery.judge(1.5f, never()));
        assertTrue(guard.quiet(), "an accepted batch clears the suspicion");
        assertSame(window, recovery.settle(DivergenceGuard.Verdict.ACCEPT, 1.5f, window, out));
        assertEquals(List.of(), out.deadLetters);
        assertEquals(List.of(), out.episodes, "no firing, no episode");
    }

    @Test
    void aFiringRestoresTheLastGoodWeightsRestartsTheWindowAndDeadLettersTheHeldRows() {
        EpochWindow window = trainedWindow();
        assertTrue(!initial.equals(trainer.snapshot()), "training moved the weights");
        recovery.judge(1.0f, never());
        BatchBuffer first = rows(100);
        BatchBuffer second = rows(104);
        assertEquals(DivergenceGuard.Verdict.SUSPECT, recovery.judge(50f, () -> first));
        assertEquals(DivergenceGuard.Verdict.FIRE, recovery.judge(60f, () -> second));

        EpochWindow restarted = recovery.settle(DivergenceGuard.Verdict.FIRE, 60f, window, out);

        assertNotSame(window, restarted);
        assertEquals(1, restarted.epoch, "the same epoch from scratch");
        assertEquals(0, restarted.samples);
        assertEquals(5_000, restarted.endMillis, "with the same end");
        assertEquals(initial, trainer.snapshot(), "weights and Adam moments of epoch 0 are back, bitwise");
        assertEquals(0, counters.samplesTrained, "the counter goes back with the weights");
        assertEquals(List.of(8L), out.divergences);
        assertEquals(8, out.deadLetters.size());
        for (int i = 0; i < 8; i++) {
            DeadLetter d = out.deadLetters.get(i);
            BatchBuffer held = i < 4 ? first : second;
            int r = i % 4;
            assertEquals(DeadLetterReason.DIVERGED, d.reason);
            assertEquals("samples", d.topic);
            assertEquals(2, d.partition);
            assertEquals(100 + i, d.offset);
            assertEquals(7_000L + r, d.timestamp);
            float[] features = {100 + i, 0.5f * r, -r, 1f};
            assertArrayEquals(
                    SampleEncoder.binary(features, new float[] {held.labels()[r]}),
                    d.originalValue,
                    "a BINARY row is written back byte for byte");
            assertEquals(
                    "LOSS_SPIKE: batch loss 60.0, running mean 1.0; the trainer restored the weights of epoch 0",
                    d.message);
        }
        assertEquals(List.of(), out.episodes, "the episode is open until a batch is accepted");
        assertTrue(!guard.quiet());

        assertEquals(DivergenceGuard.Verdict.ACCEPT, recovery.judge(1.2f, never()));
        counters.samplesTrained = 4;
        assertSame(restarted, recovery.settle(DivergenceGuard.Verdict.ACCEPT, 1.2f, restarted, out));
        assertEquals(1, out.episodes.size(), "one episode, announced when it ends");
        RecordingOutput.Episode ended = out.episodes.get(0);
        assertEquals(4, ended.samplesTrained());
        DivergenceEpisode e = ended.episode();
        assertEquals("LOSS_SPIKE", e.trigger);
        assertEquals(60.0, e.loss);
        assertEquals(1.0, e.runningMean);
        assertEquals(0, e.restoredEpoch);
        assertEquals(1, e.firings);
        assertEquals(8, e.skippedSamples);
        assertEquals(8, e.discardedSamples, "the window's two trained batches were undone");
        assertEquals(
                new Manifest.OffsetRange(100, 107), e.skippedOffsetRanges().get(Manifest.partitionKey("samples", 2)));
        assertTrue(guard.quiet());
    }

    @Test
    void aNonFiniteLossFiresAtOnceAndAnEpisodeOpenAtTheEndIsAnnouncedOnce() {
        EpochWindow window = trainedWindow();
        BatchBuffer held = rows(40);
        assertEquals(DivergenceGuard.Verdict.FIRE, recovery.judge(Float.NaN, () -> held));
        recovery.settle(DivergenceGuard.Verdict.FIRE, Float.NaN, window, out);
        assertEquals(4, out.deadLetters.size());
        assertTrue(
                out.deadLetters.get(0).message.startsWith("NON_FINITE_LOSS: batch loss NaN"),
                out.deadLetters.get(0).message);
        assertEquals(initial, trainer.snapshot());

        recovery.finish(out);
        recovery.finish(out);
        assertEquals(1, out.episodes.size(), "announced once");
        assertEquals("NON_FINITE_LOSS", out.episodes.get(0).episode().trigger);
        assertEquals(4, out.episodes.get(0).episode().skippedSamples);
        assertTrue(guard.quiet());
    }

    @Test
    void nonFiniteWeightsFireWithNothingToDeadLetter() {
        EpochWindow window = trainedWindow();
        EpochWindow restarted = recovery.fire(DivergenceGuard.NON_FINITE_WEIGHTS, Float.NaN, window, out);
        assertEquals(1, restarted.epoch);
        assertEquals(0, restarted.samples);
        assertEquals(initial, trainer.snapshot());
        assertEquals(List.of(0L), out.divergences, "no held batch, no dead letter");
        assertEquals(List.of(), out.deadLetters);
        recovery.finish(out);
        assertEquals("NON_FINITE_WEIGHTS", out.episodes.get(0).episode().trigger);
        assertEquals(8, out.episodes.get(0).episode().discardedSamples);
    }
}
