package dev.streamtrain.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

class PromotionGateTest {

    @Test
    void lowerIsBetterWithinTolerance() {
        PromotionGate gate = new PromotionGate("loss", false, 0.01, false);
        assertTrue(gate.judge(OptionalDouble.of(0.50), OptionalDouble.of(0.60)).promoted(), "better");
        assertTrue(gate.judge(OptionalDouble.of(0.605), OptionalDouble.of(0.60)).promoted(), "within tolerance");
        PromotionGate.Verdict worse = gate.judge(OptionalDouble.of(0.62), OptionalDouble.of(0.60));
        assertFalse(worse.promoted());
        assertEquals("holdout loss 0.620000 vs promoted 0.600000 (tolerance 0.0100000): worse", worse.reason());
    }

    @Test
    void higherIsBetter() {
        PromotionGate gate = new PromotionGate("rocAuc", true, 0, false);
        assertTrue(gate.judge(OptionalDouble.of(0.9), OptionalDouble.of(0.8)).promoted());
        assertFalse(gate.judge(OptionalDouble.of(0.79), OptionalDouble.of(0.8)).promoted());
    }

    @Test
    void firstAndMissing() {
        PromotionGate gate = new PromotionGate("loss", false, 0, false);
        assertTrue(gate.judge(OptionalDouble.of(3), OptionalDouble.empty()).promoted());
        PromotionGate.Verdict none = gate.judge(OptionalDouble.empty(), OptionalDouble.of(3));
        assertFalse(none.promoted());
        assertTrue(none.reason().contains("no holdout samples"), none.reason());
    }

    @Test
    void alwaysPromotesEvenAWorseEpoch() {
        assertTrue(PromotionGate.promoteAlways()
                .judge(OptionalDouble.of(9), OptionalDouble.of(1))
                .promoted());
    }
}
