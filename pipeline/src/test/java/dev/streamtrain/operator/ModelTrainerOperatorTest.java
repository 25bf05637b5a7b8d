package dev.streamtrain.operator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamtrain.sample.Sample;
import dev.streamtrain.sample.SampleBlock;
import dev.streamtrain.sample.SampleFormat;
import dev.streamtrain.sample.synthetic.TeacherStream;
import dev.streamtrain.trainer.ModelSpec;
import dev.streamtrain.trainer.TrainerState;
import dev.streamtrain.trainer.TrainingReport;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.OperatorSnapshotUtil;
import org.junit.jupiter.api.Test;

/** The trainer operator under Flink's operator test harness: state survives snapshot/restore exactly. */
class ModelTrainerOperatorTest {
    /**
     * On the CPU whatever libtorch is installed: the golden snapshot below was written on the CPU, and
     * a CUDA build would train other bits, so AUTO could make the bitwise comparison fail for no fault.
     */
    private static final ModelSpec SPEC = ModelSpec.builder()
            .kind(ModelSpec.Kind.MLP)
            .inputDim(8)
            .hiddenSizes(16, 16)
            .outputDim(1)
            .optimizer(ModelSpec.Optimizer.ADAM)
            .learningRate(1e-2f)
            .batchSize(16)
            .seed(7)
            .device(ModelSpec.DeviceChoice.CPU)
            .build();

    /** 203 samples: 12 full batches and a partial one of 11, so the pending batch is exercised too. */
    private static List<Sample> samples() {
        TeacherStream teacher = TeacherStream.builder()
                .format(SampleFormat.BINARY)
                .featureDim(8)
                .regression(1)
                .seed(3)
                .build();
        List<Sample> out = new ArrayList<>();
        for (int i = 0; i < 203; i++) {
            out.add(teacher.next());
        }
        return out;
    }

    private static OneInputStreamOperatorTestHarness<SampleBlock, TrainingReport> harness() throws Exception {
        return harness(SPEC);
    }

    private static OneInputStreamOperatorTestHarness<SampleBlock, TrainingReport> harness(ModelSpec spec)
            throws Exception {
        return new OneInputStreamOperatorTestHarness<>(new ModelTrainerOperator(
                TrainerSettings.builder(spec).reportEverySamples(64).build()));
    }

    /** A fresh operator, restored from {@code state} unless null, trains {@code samples} to the end of input. */
    private static TrainingReport trainToTheEnd(OperatorSubtaskState state, List<Sample> samples) throws Exception {
        return trainToTheEnd(state, SampleBlocks.cut(samples, 16));
    }

    /** The same, with the samples already cut into blocks. */
    private static TrainingReport trainToTheEnd(OperatorSubtaskState state, Iterable<SampleBlock> blocks)
            throws Exception {
        try (var h = harness()) {
            if (state != null) {
                h.initializeState(state);
            }
            h.open();
            feed(h, blocks);
            h.endInput();
            return last(h.extractOutputValues());
        }
    }

    private static void feed(
            OneInputStreamOperatorTestHarness<SampleBlock, TrainingReport> h, Iterable<SampleBlock> blocks)
            throws Exception {
        for (SampleBlock b : blocks) {
            h.processElement(b, 0L);
        }
    }

    /**
     * Savepoints must keep restoring (state names and serializers are a contract): operator state
     * written by an earlier build — commit 712dd9d, before the {@code run-attempt} state existed,
     * after the same first 100 samples as below — restores into this build and training continues
     * where it stopped. When a release changes the trainer's state, add that release's snapshot here
     * (written with {@code OperatorSnapshotUtil.writeStateHandle}) and keep the old ones.
     *
     * <p>The fixture's weights came from another machine's CPU kernels, which round the last bit
     * of some sums differently (measured: up to 3e-8 after 6 steps), so they are compared with this
     * machine's training within a tolerance; everything this build does with the restored state is
     * compared bitwise.
     */
    @Test
    void stateOfAnEarlierBuildRestoresAndTrainsOn() throws Exception {
        List<Sample> samples = samples();
        List<Sample> rest = samples.subList(100, samples.size());
        String fixturePath = Path.of(getClass()
                        .getResource("/state-fixtures/model-trainer-712dd9d.snapshot")
                        .toURI())
                .toString();
        OperatorSubtaskState fixture = OperatorSnapshotUtil.readStateHandle(fixturePath);
        TrainingReport resumed = trainToTheEnd(fixture, rest);

        // all of the old state came across: this build's own snapshot of it trains on to the same bits
        OperatorSubtaskState rewritten;
        try (var h = harness()) {
            h.initializeState(fixture);
            h.open();
            rewritten = h.snapshot(1, 1);
        }
        assertEquals(
                resumed.stateSha256,
                trainToTheEnd(rewritten, rest).stateSha256,
                "the fixture and this build's snapshot of it train on bitwise alike");

        // and it is the model of those 100 samples: counters, the pending batch, the weights
        TrainingReport uninterrupted = trainToTheEnd(null, samples);
        assertEquals(
                uninterrupted.samplesTrained, resumed.samplesTrained, "the restored counter goes on from 96 trained");
        assertEquals(uninterrupted.batches, resumed.batches);
        assertEquals(uninterrupted.pendingSamples, resumed.pendingSamples);
        TrainerState expected = TrainerState.fromBytes(uninterrupted.state);
        TrainerState actual = TrainerState.fromBytes(resumed.state);
        assertEquals(expected.steps(), actual.steps());
        for (int i = 0; i < expected.parameters().size(); i++) {
            assertArrayEquals(
                    expected.parameters().get(i).values(),
                    actual.parameters().get(i).values(),
                    1e-6f,
                    "parameter " + expected.parameters().get(i).name() + " as trained here, up to rounding");
        }
    }

    @Test
    void snapshotRestoreContinueEqualsUninterruptedBitwise() throws Exception {
        List<Sample> samples = samples();

        TrainingReport uninterrupted = trainToTheEnd(null, samples);

        // cut in the middle of a batch (100 = 6 batches + 4 pending) and restore into a fresh operator
        OperatorSubtaskState snapshot;
        try (var first = harness()) {
            first.open();
            feed(first, SampleBlocks.cut(samples.subList(0, 100), 16));
            snapshot = first.snapshot(1, 1);
            // work after the snapshot is lost with the failure that follows
            feed(first, SampleBlocks.cut(samples.subList(100, 150), 16));
        }
        TrainingReport resumed = trainToTheEnd(snapshot, samples.subList(100, samples.size()));

        assertEquals(192, uninterrupted.samplesTrained);
        assertEquals(11, uninterrupted.pendingSamples);
        assertEquals(uninterrupted.samplesTrained, resumed.samplesTrained, "sample counter");
        assertEquals(uninterrupted.batches, resumed.batches);
        assertEquals(uninterrupted.pendingSamples, resumed.pendingSamples);
        TrainerState a = TrainerState.fromBytes(uninterrupted.state);
        TrainerState b = TrainerState.fromBytes(resumed.state);
        for (int i = 0; i < a.parameters().size(); i++) {
            assertArrayEquals(
                    a.parameters().get(i).values(),
                    b.parameters().get(i).values(),
                    "parameter " + a.parameters().get(i).name() + " bitwise equal");
        }
        assertEquals(a, b, "parameters and Adam moments bitwise equal");
        assertEquals(uninterrupted.stateSha256, resumed.stateSha256);
    }

    /**
     * The batcher emits its partial block before every checkpoint barrier, so after a restore the
     * blocks are cut elsewhere than in a run without failure. Here the snapshot's pending batch holds
     * the tail of a block whose head completed the previous batch (rows 96..97 of the block 91..97,
     * then 98..99), and both runs mix blocks trained straight from their arrays with rows split
     * across pending batches: the weights are bitwise equal anyway.
     */
    @Test
    void restoreInTheMiddleOfABlockEqualsUninterruptedBitwise() throws Exception {
        List<Sample> samples = samples();
        // aligned blocks (trained from the block) and a 32-row block holding two mini-batches
        TrainingReport uninterrupted = trainToTheEnd(null, SampleBlocks.cut(samples, 16, 32, 16));

        OperatorSubtaskState snapshot;
        try (var first = harness()) {
            first.open();
            // 7-row blocks never line up with batches of 16; the last one (rows 98..99) is a flushed partial
            feed(first, SampleBlocks.cut(samples.subList(0, 100), 7));
            snapshot = first.snapshot(1, 1);
            feed(first, SampleBlocks.cut(samples.subList(100, 140), 40)); // lost with the failure
        }
        // the replay starts mid-batch: 12 rows complete the pending batch, then aligned 16-row runs
        TrainingReport resumed =
                trainToTheEnd(snapshot, SampleBlocks.cut(samples.subList(100, samples.size()), 28, 64, 9));

        assertEquals(4, restoredPending(snapshot), "the snapshot holds part of a block as pending rows");
        assertEquals(uninterrupted.samplesTrained, resumed.samplesTrained);
        assertEquals(uninterrupted.batches, resumed.batches);
        assertEquals(uninterrupted.pendingSamples, resumed.pendingSamples);
        assertEquals(
                TrainerState.fromBytes(uninterrupted.state),
                TrainerState.fromBytes(resumed.state),
                "parameters and Adam moments bitwise equal");
        assertEquals(uninterrupted.stateSha256, resumed.stateSha256);
        assertEquals(
                trainToTheEnd(null, samples).stateSha256,
                uninterrupted.stateSha256,
                "block sizes do not change the result");
    }

    /** How many pending rows a restore from {@code snapshot} finds, as the final report says without input. */
    private static long restoredPending(OperatorSubtaskState snapshot) throws Exception {
        return trainToTheEnd(snapshot, List.<SampleBlock>of()).pendingSamples;
    }

    @Test
    void reportsComeEveryNSamplesWithFiniteLoss() throws Exception {
        try (var h = harness()) {
            h.open();
            feed(h, SampleBlocks.cut(samples(), 5));
            List<TrainingReport> reports = h.extractOutputValues();
            // reports after 64, 128 and 192 trained samples (batches of 16)
            assertEquals(
                    List.of(64L, 128L, 192L),
                    reports.stream().map(r -> r.samplesTrained).toList());
            assertTrue(reports.stream().allMatch(r -> Double.isFinite(r.meanLoss) && r.state == null));
        }
    }

    @Test
    void restoringIntoADifferentModelFailsWithAClearMessage() throws Exception {
        OperatorSubtaskState snapshot;
        try (var h = harness()) {
            h.open();
            feed(h, SampleBlocks.cut(samples().subList(0, 20), 20));
            snapshot = h.snapshot(1, 1);
        }
        ModelSpec wider = SPEC.toBuilder().hiddenSizes(32, 16).build();
        try (var h = harness(wider)) {
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> h.initializeState(snapshot));
            assertEquals(
                    "state parameter 0.weight has shape [16, 8] but the spec needs [32, 8]",
                    e.getMessage(),
                    "names the parameter and both shapes");
        }
    }

    private static TrainingReport last(List<TrainingReport> reports) {
        TrainingReport r = reports.get(reports.size() - 1);
        assertTrue(r.last, "the final report comes at end of input");
        return r;
    }
}
