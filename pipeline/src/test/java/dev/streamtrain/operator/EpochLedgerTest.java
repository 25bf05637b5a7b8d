package dev.streamtrain.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.streamtrain.store.RetentionPolicy;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class EpochLedgerTest {

    private static EpochLedger empty(RetentionPolicy retention, int retainedCheckpoints) {
        return new EpochLedger(retention, retainedCheckpoints, List.of());
    }

    @Test
    void protectsTheNewestEpochAndTheNewestOfEachRetainedCheckpointPlusTheOneBeingTaken() {
        EpochLedger ledger = empty(new RetentionPolicy(1, 0), 2);
        // checkpoint 10 announced epochs 1-2, 11 epoch 3, 12 epochs 4-5, 13 epoch 6, 14 epoch 7
        long[][] byCheckpoint = {{10, 1, 2}, {11, 3}, {12, 4, 5}, {13, 6}, {14, 7}};
        for (long[] cp : byCheckpoint) {
            for (int i = 1; i < cp.length; i++) {
                ledger.committed(cp[i], 0.5, cp[0]);
            }
        }
        // retained checkpoints 13 and 14, plus 12 (the one being taken when this runs at a barrier)
        assertEquals(Set.of(7L, 6L, 5L), ledger.protectedEpochs());
        assertEquals(List.of(1L, 2L, 3L, 4L), ledger.startDeletions(), "keep-last 1 and the protected epochs stay");
    }

    @Test
    void thePromotedEpochIsNeverDeletedThoughNewerOnesWereHeldBack() {
        EpochLedger ledger = empty(new RetentionPolicy(1, 0), 1);
        ledger.committed(1, 0.9, 1L, true);
        ledger.committed(2, 0.5, 2L, true); // latest stays here: 3-6 are worse
        ledger.committed(3, 0.8, 3L, false);
        ledger.committed(4, 0.8, 4L, false);
        ledger.committed(5, 0.7, 5L, false);
        ledger.committed(6, 0.7, 6L, false);
        assertEquals(2L, ledger.promotedEpoch().getAsLong());
        // 2: what latest names (and what a rollback to checkpoint 5 or 6 would make latest again);
        // 6: the newest; 5 and 6: the newest of checkpoints 5 (being taken) and 6 (retained)
        assertEquals(Set.of(2L, 5L, 6L), ledger.protectedEpochs());
        assertEquals(List.of(1L, 3L, 4L), ledger.startDeletions(), "keep-last 1 would have taken epoch 2");
    }

    @Test
    void aLedgerWithoutHeldBackEpochsKeepsItsJsonAndAnOlderOneReadsAsAllPromoted() throws Exception {
        EpochLedger ledger = empty(RetentionPolicy.keepAll(), 1);
        ledger.committed(1, 0.5, 7L);
        String json = new String(ledger.toJson(), StandardCharsets.UTF_8);
        assertEquals("[{\"epoch\":1,\"meanLoss\":0.5,\"checkpointId\":7,\"deleted\":false}]", json);
        EpochLedger read = EpochLedger.fromJson(
                RetentionPolicy.keepAll(),
                1,
                "[{\"epoch\":3,\"meanLoss\":0.5,\"checkpointId\":7,\"deleted\":false}]"
                        .getBytes(StandardCharsets.UTF_8));
        assertEquals(3L, read.promotedEpoch().getAsLong());
        ledger.committed(2, 0.6, 8L, false);
        EpochLedger roundTrip = EpochLedger.fromJson(RetentionPolicy.keepAll(), 1, ledger.toJson());
        assertEquals(1L, roundTrip.promotedEpoch().getAsLong(), "held back survives the state round trip");
    }

    @Test
    void anEpochBeingDeletedIsNotOfferedAgainUntilItsDeletionIsAnnounced() {
        EpochLedger ledger = empty(new RetentionPolicy(1, 0), 1);
        ledger.committed(1, 0.9, 1L);
        ledger.committed(2, 0.8, 2L);
        ledger.committed(3, 0.7, 3L);
        ledger.committed(4, 0.6, 4L);
        assertEquals(Set.of(3L, 4L), ledger.protectedEpochs(), "checkpoints 4 (retained) and 3 (being taken)");
        assertEquals(List.of(1L, 2L), ledger.startDeletions());
        assertEquals(List.of(), ledger.startDeletions(), "epochs 1 and 2 are in flight");
        ledger.deleted(1);
        assertEquals(List.of(2L, 3L, 4L), ledger.liveEpochs(), "2 is deleted only once announced");
        ledger.committed(5, 0.5, 5L);
        assertEquals(List.of(3L), ledger.startDeletions(), "2 is still in flight; checkpoints 5 and 4 keep 5 and 4");
    }

    @Test
    void keepBestKeepsTheLowestFiniteLoss() {
        EpochLedger ledger = empty(new RetentionPolicy(1, 1), 1);
        ledger.committed(1, Double.NaN, 1L);
        ledger.committed(2, 0.1, 1L);
        ledger.committed(3, 0.9, 1L);
        ledger.committed(4, 0.8, 2L);
        ledger.committed(5, 0.7, 3L);
        // protected: 5 (newest, checkpoint 3) and 4 (checkpoint 2); keep-last: 5; keep-best: 2 (NaN never counts)
        assertEquals(List.of(1L, 3L), ledger.startDeletions());
    }

    @Test
    void keepAllNeverDeletes() {
        EpochLedger ledger = empty(RetentionPolicy.keepAll(), 1);
        for (long e = 1; e <= 5; e++) {
            ledger.committed(e, 0.5, e);
        }
        assertEquals(List.of(), ledger.startDeletions());
    }

    @Test
    void theStateJsonKeepsItsFieldsAndRoundTrips() throws Exception {
        EpochLedger ledger = empty(new RetentionPolicy(1, 0), 1);
        ledger.committed(1, 0.25, 7L);
        ledger.committed(2, 0.5, 8L);
        ledger.committed(3, 0.125, 9L);
        assertEquals(List.of(1L), ledger.startDeletions());
        ledger.deleted(1);
        ledger.committed(4, 0.0625, null);
        String json = new String(ledger.toJson(), StandardCharsets.UTF_8);
        // the committed-epochs state of earlier builds has this exact shape: it must keep reading
        assertEquals(
                "[{\"epoch\":1,\"meanLoss\":0.25,\"checkpointId\":7,\"deleted\":true},"
                        + "{\"epoch\":2,\"meanLoss\":0.5,\"checkpointId\":8,\"deleted\":false},"
                        + "{\"epoch\":3,\"meanLoss\":0.125,\"checkpointId\":9,\"deleted\":false},"
                        + "{\"epoch\":4,\"meanLoss\":0.0625,\"checkpointId\":null,\"deleted\":false}]",
                json);
        EpochLedger restored = EpochLedger.fromJson(new RetentionPolicy(1, 0), 1, ledger.toJson());
        assertEquals(List.of(2L, 3L, 4L), restored.liveEpochs());
        assertEquals(Set.of(2L, 3L, 4L), restored.protectedEpochs(), "newest, and the newest of checkpoints 9 and 8");
        assertEquals(
                List.of(),
                EpochLedger.fromJson(RetentionPolicy.keepAll(), 1, null).liveEpochs());
    }

    @Test
    void refusesFewerThanOneRetainedCheckpoint() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> empty(RetentionPolicy.keepAll(), 0));
        assertEquals("retainedCheckpoints must be >= 1, got 0", e.getMessage());
    }
}
