package dev.streamtrain.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PageHinkleyTest {
    private static final PageHinkley.Settings SETTINGS = new PageHinkley.Settings(0.01, 1.0, 10);

    @Test
    void aStableLossNeverSignals() {
        assertEquals(List.of(), signals(stream(2_000, 0.5, 0.5, 2_000)));
    }

    @Test
    void aJumpSignalsOnceSoonAfterIt() {
        List<Integer> at = signals(stream(2_000, 0.5, 0.8, 1_000));
        assertEquals(1, at.size(), "one shift, one signal: " + at);
        assertTrue(at.get(0) >= 1_000 && at.get(0) < 1_020, "signalled at batch " + at.get(0));
    }

    @Test
    void aFallingLossDoesNotSignal() {
        assertEquals(List.of(), signals(stream(2_000, 0.8, 0.3, 1_000)));
    }

    @Test
    void theStatisticByHand() {
        PageHinkley.Settings s = new PageHinkley.Settings(0, 100, 1);
        PageHinkley d = PageHinkley.start().add(1, s).add(1, s).add(4, s);
        // means 1, 1, 2; m = 0, 0, 4 - 2 = 2; M = 0
        assertEquals(2.0, d.statistic(), 1e-12);
        assertEquals(3, d.count());
    }

    @Test
    void refusesNonsenseSettings() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> new PageHinkley.Settings(0.01, 0, 10));
        assertTrue(e.getMessage().contains("eval.drift-threshold > 0"), e.getMessage());
    }

    private static double[] stream(int n, double before, double after, int shiftAt) {
        Random random = new Random(7);
        double[] xs = new double[n];
        for (int i = 0; i < n; i++) {
            xs[i] = (i < shiftAt ? before : after) + 0.02 * random.nextGaussian();
        }
        return xs;
    }

    private static List<Integer> signals(double[] xs) {
        List<Integer> at = new ArrayList<>();
        PageHinkley d = PageHinkley.start();
        for (int i = 0; i < xs.length; i++) {
            d = d.add(xs[i], SETTINGS);
            if (d.drifted(SETTINGS)) {
                at.add(i);
                d = PageHinkley.start();
            }
        }
        return at;
    }
}
