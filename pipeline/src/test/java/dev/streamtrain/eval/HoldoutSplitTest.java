package dev.streamtrain.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class HoldoutSplitTest {

    @Test
    void holdsOutTheConfiguredShareOfEachPartition() {
        HoldoutSplit split = HoldoutSplit.of(0.02);
        for (int partition = 0; partition < 4; partition++) {
            int held = 0;
            for (long offset = 0; offset < 200_000; offset++) {
                if (split.isHoldout(partition, offset)) {
                    held++;
                }
            }
            // binomial(200000, 0.02): sd ≈ 63, so ±400 is over 6 sd
            assertEquals(4_000, held, 400, "partition " + partition);
        }
    }

    @Test
    void dependsOnlyOnPartitionAndOffset() {
        List<Long> first = heldOut(HoldoutSplit.of(0.1), 0);
        assertEquals(first, heldOut(HoldoutSplit.of(0.1), 0), "a second split over the same records");
        assertNotEquals(first, heldOut(HoldoutSplit.of(0.1), 1), "another partition holds out other offsets");
        List<Long> smaller = heldOut(HoldoutSplit.of(0.05), 0);
        assertTrue(first.containsAll(smaller), "a smaller fraction holds out a subset, not other records");
    }

    @Test
    void pinnedValues() {
        // the hash is a contract (a restored run must hold out the same records): these values
        // change only with it
        assertEquals(
                List.of(10L, 18L, 21L, 41L, 48L),
                heldOut(HoldoutSplit.of(0.1), 0).subList(0, 5));
    }

    @Test
    void zeroDisables() {
        HoldoutSplit off = HoldoutSplit.of(0);
        assertFalse(off.enabled());
        assertTrue(heldOut(off, 0).isEmpty());
    }

    @Test
    void refusesFractionsOutsideZeroToOne() {
        for (double bad : new double[] {-0.1, 1.0, Double.NaN}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HoldoutSplit.of(bad));
            assertTrue(e.getMessage().startsWith("eval.holdout-fraction must be in [0, 1)"), e.getMessage());
        }
    }

    private static List<Long> heldOut(HoldoutSplit split, int partition) {
        List<Long> offsets = new ArrayList<>();
        for (long offset = 0; offset < 1_000; offset++) {
            if (split.isHoldout(partition, offset)) {
                offsets.add(offset);
            }
        }
        return offsets;
    }
}
