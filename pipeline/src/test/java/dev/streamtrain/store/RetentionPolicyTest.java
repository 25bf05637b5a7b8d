package dev.streamtrain.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RetentionPolicyTest {
    private static final List<RetentionPolicy.Epoch> EPOCHS = List.of(
            new RetentionPolicy.Epoch(1, 0.9),
            new RetentionPolicy.Epoch(2, 0.2),
            new RetentionPolicy.Epoch(3, 0.5),
            new RetentionPolicy.Epoch(4, 0.4),
            new RetentionPolicy.Epoch(5, 0.6),
            new RetentionPolicy.Epoch(6, 0.7));

    @Test
    void keepsTheLastAndTheBestAndWhatIsProtected() {
        assertEquals(List.of(1L, 3L, 4L), new RetentionPolicy(2, 1).toDelete(EPOCHS, Set.of()));
        assertEquals(List.of(1L, 4L), new RetentionPolicy(2, 1).toDelete(EPOCHS, Set.of(3L)));
        assertEquals(List.of(1L, 3L), new RetentionPolicy(2, 2).toDelete(EPOCHS, Set.of()));
    }

    @Test
    void zeroAndZeroKeepsEverything() {
        assertEquals(List.of(), RetentionPolicy.keepAll().toDelete(EPOCHS, Set.of()));
    }

    @Test
    void onlyTheLastWhenNoBestIsAsked() {
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L), new RetentionPolicy(1, 0).toDelete(EPOCHS, Set.of()));
    }
}
