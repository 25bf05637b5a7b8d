package dev.streamtrain.jobs.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.streamtrain.trainer.TrainingReport;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReportRateTest {

    @Test
    void leavesOutTheFirstIntervalWhichHoldsTheStartUp() {
        // 1000 samples with start-up (slow), then 2000 at 1000/s and 1000 at 500/s: 3000 samples in 4 s
        ReportRate rate = ReportRate.between(List.of(report(1000, 10), report(3000, 1000), report(4000, 500)));
        assertEquals(3000, rate.samples());
        assertEquals(4.0, rate.seconds(), 1e-9);
        assertEquals(750.0, rate.samplesPerSecond(), 1e-9);
    }

    @Test
    void anEmptyEndOfInputReportAddsNothing() {
        TrainingReport end = report(3000, 0);
        end.last = true;
        ReportRate rate = ReportRate.between(List.of(report(1000, 10), report(3000, 1000), end));
        assertEquals(2000, rate.samples());
        assertEquals(1000.0, rate.samplesPerSecond(), 1e-9);
    }

    @Test
    void needsTwoReportsAndNoRestart() {
        assertThrows(IllegalArgumentException.class, () -> ReportRate.between(List.of(report(1000, 10))));
        assertThrows(
                IllegalArgumentException.class,
                () -> ReportRate.between(List.of(report(2000, 10), report(1000, 1000))));
    }

    private static TrainingReport report(long samplesTrained, double samplesPerSecond) {
        TrainingReport r = new TrainingReport();
        r.samplesTrained = samplesTrained;
        r.samplesPerSecond = samplesPerSecond;
        return r;
    }
}
