package dev.streamtrain.operator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamtrain.sample.Sample;
import dev.streamtrain.sample.SampleBlock;
import dev.streamtrain.sample.SampleFormat;
import dev.streamtrain.sample.synthetic.TeacherStream;
import dev.streamtrain.store.Manifest;
import dev.streamtrain.trainer.DjlTrainer;
import dev.streamtrain.trainer.EpochPolicy;
import dev.streamtrain.trainer.ModelSpec;
import dev.streamtrain.trainer.TrainerState;
import dev.streamtrain.trainer.TrainingCounters;
import dev.streamtrain.trainer.TrainingReport;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The block-to-mini-batch loop on a real (CPU) trainer, without Flink. */
class TrainingLoopTest {
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
    private static final String PARTITION = Manifest.partitionKey("samples", 0);
    private static final long T0 = 1_000_000L;

    /** 203 samples (12 batches and 11 pending) at offsets 0.., event times T0 + 10 * offset. */
    private static List<Sample> samples() {
        TeacherStream teacher = TeacherStream.builder()
                .format(SampleFormat.BINARY)
                .featureDim(8)
                .regression(1)
                .seed(3)
                .build();
        List<Sample> out = new ArrayList<>();
        for (int i = 0; i < 203; i++) {
            Sample s = teacher.next();
            s.topic = "samples";
            s.partition = 0;
            s.offset = i;
            s.eventTimeMillis = T0 + 10L * i;
            out.add(s);
        }
        return out;
    }

    private static TrainerSettings settings(EpochPolicy epochs) {
        return TrainerSettings.builder(SPEC)
                .epochPolicy(epochs)
                .reportEverySamples(64)
                .guard(GuardSettings.disabled())
                .build();
    }

    private static TrainingLoop fresh(TrainerSettings settings, RecordingOutput out) {
        TrainingLoop loop =
                TrainingLoop.restore(settings, null, null, new TrainingCounters(), EpochWindow.first(), null);
        loop.start(out);
        return loop;
    }

    private static void feed(TrainingLoop loop, List<Sample> samples, int... blockSizes) throws IOException {
        for (SampleBlock b : SampleBlocks.cut(samples, blockSizes)) {
            loop.train(b);
        }
    }

    @Test
    void windowsCloseAtTheBatchThatReachesTheirSampleCount() throws Exception {
        RecordingOutput out = new RecordingOutput(true);
        try (TrainingLoop loop = fresh(settings(EpochPolicy.everySamples(64)), out)) {
            feed(loop, samples(), 7); // 7-row blocks never line up with batches of 16

            assertEquals(List.of(16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16), out.batches);
            assertEquals(3, out.windows.size());
            for (int i = 0; i < 3; i++) {
                RecordingOutput.ClosedWindow closed = out.windows.get(i);
                EpochWindow w = closed.window();
                assertEquals(i + 1, w.epoch);
                assertEquals(64, w.samples);
                assertEquals(4, w.batches);
                assertEquals(64L * (i + 1), closed.samplesTrained());
                assertEquals(
                        new Manifest.OffsetRange(64L * i, 64L * i + 63),
                        w.offsetRanges().get(PARTITION));
                assertEquals(new Manifest.EventTimeRange(T0 + 640L * i, T0 + 640L * i + 630), w.eventTimeRange());
                assertNotNull(closed.weights(), "artifacts want the weights");
                // reports come every 64 samples, so each one's mean loss is its window's
                TrainingReport report = out.reports.get(i);
                assertEquals(64L * (i + 1), report.samplesTrained);
                assertEquals(w.lossSum / w.batches, report.meanLoss, 1e-12);
            }
            assertEquals(3, out.reports.size());
            assertEquals(4, loop.window().epoch, "the open window");
            assertEquals(0, loop.window().samples);
            assertEquals(11, loop.pendingRows());
            assertEquals(192, loop.counters().samplesTrained);
            assertEquals(12, loop.counters().batches);
        }
    }

    /**
     * However the blocks are cut, the loop trains the same batches of 16 in stream order: the weights
     * equal, bitwise, those of a trainer fed those batches directly.
     */
    @Test
    void trainsTheSameBatchesWhateverTheBlocks() throws Exception {
        List<Sample> samples = samples();
        TrainerState direct;
        try (DjlTrainer trainer = DjlTrainer.create(SPEC)) {
            BatchBuffer batch = new BatchBuffer(16, 8, 1);
            for (Sample s : samples) {
                if (batch.add(s)) {
                    trainer.trainBatch(batch.features(), batch.labels(), 16);
                    batch.clear();
                }
            }
            direct = trainer.snapshot();
        }
        for (int[] blocks : new int[][] {{16}, {7}, {5, 32, 9}, {203}}) {
            try (TrainingLoop loop = fresh(settings(EpochPolicy.everySamples(64)), new RecordingOutput(false))) {
                feed(loop, samples, blocks);
                assertEquals(direct, loop.trainer().snapshot(), "blocks " + List.of(blocks));
                assertEquals(11, loop.pendingRows());
            }
        }
    }

    @Test
    void eventTimeWindowsCloseOnlyOnWatermarks() throws Exception {
        RecordingOutput out = new RecordingOutput(false);
        List<Sample> samples = samples();
        try (TrainingLoop loop = fresh(settings(EpochPolicy.eventTime(Duration.ofSeconds(1))), out)) {
            feed(loop, samples.subList(0, 160), 16); // event times T0 .. T0 + 1590
            assertEquals(T0 + 1_000, loop.window().endMillis, "the first row fixes the end");
            assertEquals(List.of(), out.windows, "samples never close an event-time window");

            loop.watermark(T0 + 999);
            assertEquals(List.of(), out.windows);
            loop.watermark(T0 + 1_000);
            assertEquals(1, out.windows.size());
            EpochWindow first = out.windows.get(0).window();
            assertEquals(160, first.samples, "everything trained before the watermark");
            assertEquals(new Manifest.EventTimeRange(T0, T0 + 1_590), first.eventTimeRange());
            assertEquals(null, out.windows.get(0).weights(), "no artifacts, no guard: no copy of the weights");
            assertEquals(T0 + 2_000, loop.window().endMillis);

            // a span without samples closes nothing; the next sample fixes the next end
            loop.watermark(T0 + 5_000);
            assertEquals(1, out.windows.size());
            assertEquals(Long.MIN_VALUE, loop.window().endMillis);
            feed(loop, samples.subList(160, 176), 16); // event times from T0 + 1600
            assertEquals(2, loop.window().epoch);
            assertEquals(T0 + 2_000, loop.window().endMillis);
        }
    }

    @Test
    void finishClosesTheOpenWindowAndTheFinalReportHoldsTheModel() throws Exception {
        RecordingOutput out = new RecordingOutput(true);
        try (TrainingLoop loop = fresh(settings(EpochPolicy.everySamples(64)), out)) {
            feed(loop, samples().subList(0, 100), 16); // 6 batches and 4 pending rows
            loop.finish();
            loop.finalReport();

            assertEquals(
                    List.of(64L, 32L),
                    out.windows.stream().map(c -> c.window().samples).toList());
            TrainingReport last = out.reports.get(out.reports.size() - 1);
            assertTrue(last.last);
            assertEquals(96, last.samplesTrained);
            assertEquals(4, last.pendingSamples, "the partial batch stays pending");
            assertArrayEquals(out.windows.get(1).weights().toBytes(), last.state, "the final window's model");
            assertEquals(TrainingReports.sha256(last.state), last.stateSha256);
            assertEquals(3, loop.window().epoch);
        }
    }
}
