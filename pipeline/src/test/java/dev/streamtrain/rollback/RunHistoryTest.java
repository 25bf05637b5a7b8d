package dev.streamtrain.rollback;

import static dev.streamtrain.rollback.RollbackFakes.JOB_1;
import static dev.streamtrain.rollback.RollbackFakes.JOB_2;
import static dev.streamtrain.rollback.RollbackFakes.KEY;
import static dev.streamtrain.rollback.RollbackFakes.committed;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamtrain.events.CheckpointEvent;
import dev.streamtrain.events.CheckpointEventFixtures;
import dev.streamtrain.store.RunKey;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RunHistoryTest {

    @Test
    void eachCheckpointRestoresTheNewestEpochItCommitted() {
        RunHistory h = RunHistory.of(List.of(
                committed(1, 1, JOB_1, 4L),
                committed(2, 1, JOB_1, 6L),
                committed(3, 1, JOB_1, 9L),
                committed(4, 1, JOB_1, 9L),
                committed(5, 1, JOB_1, 11L)));
        assertEquals(
                List.of(1L, 2L, 4L, 5L),
                h.restorePoints().stream().map(RestorePoint::epoch).toList());
        RestorePoint p = h.restorePointFor(4);
        assertEquals("s3://b/cp/" + JOB_1 + "/chk-9", p.path());
        assertEquals("s3://b/cp/" + JOB_1 + "/chk-9/_metadata", p.metadataPath());
        RunHistory.NoRestorePoint shared = assertThrows(RunHistory.NoRestorePoint.class, () -> h.restorePointFor(3));
        assertTrue(shared.getMessage().contains("checkpoint 9 also committed epoch 4"), shared.getMessage());
        assertThrows(RunHistory.NoRestorePoint.class, () -> h.restorePointFor(6), "not an epoch of the run");
        assertEquals(List.of(3L, 4L, 5L), h.epochsAbove(2));
        assertEquals(JOB_1, h.currentJobId());
        assertEquals(2, h.nextAttempt());
    }

    @Test
    void aRollbackSupersedesTheEpochsAboveItAndTheNextAttemptContinuesFromThere() {
        List<CheckpointEvent> events = new ArrayList<>(List.of(
                committed(1, 1, JOB_1, 4L),
                committed(2, 1, JOB_1, 6L),
                committed(3, 1, JOB_1, 8L),
                committed(4, 1, JOB_1, 10L)));
        CheckpointEvent restored = events.get(1);
        events.add(CheckpointEvent.rolledBack(
                restored, JOB_2, 2, new CheckpointEvent.Rollback(1, List.of(3L, 4L), JOB_1, "s3://b/sp/savepoint-1")));
        RunHistory rolledBack = RunHistory.of(events);
        assertEquals(
                List.of(1L, 2L),
                rolledBack.liveEpochs().stream().map(CheckpointEvent::epoch).toList());
        assertEquals(JOB_2, rolledBack.currentJobId(), "the restarted job is the one to stop next");
        assertEquals(3, rolledBack.nextAttempt());

        events.add(committed(3, 2, JOB_2, 2L));
        events.add(committed(4, 2, JOB_2, 3L));
        RunHistory after = RunHistory.of(events);
        assertEquals(
                List.of(1, 1, 2, 2),
                after.liveEpochs().stream().map(CheckpointEvent::attempt).toList(),
                "epochs 3 and 4 of attempt 2 replaced those of attempt 1");
        List<RestorePoint> points = after.restorePoints();
        assertEquals(5, points.size());
        RestorePoint savepoint = points.get(4);
        assertEquals(RestorePoint.Kind.SAVEPOINT, savepoint.kind());
        assertEquals(4, savepoint.epoch(), "the stopped job had committed epoch 4");
        assertEquals(1, savepoint.attempt());
        assertNull(savepoint.committed());
        assertEquals(
                "s3://b/cp/" + JOB_2 + "/chk-3",
                after.restorePointFor(4).path(),
                "attempt 2's checkpoint, not attempt 1's");
    }

    @Test
    void aRunRestartedByHandFromAnOlderSnapshotIsFollowedToo() {
        RunHistory h = RunHistory.of(List.of(
                committed(1, 1, JOB_1, 4L),
                committed(2, 1, JOB_1, 6L),
                committed(3, 1, JOB_1, 8L),
                committed(2, 1, JOB_2, 3L)));
        assertEquals(
                List.of(1L, 2L),
                h.liveEpochs().stream().map(CheckpointEvent::epoch).toList());
        assertEquals(JOB_2, h.live(2).orElseThrow().flinkJobId());
    }

    @Test
    void deletionsAndUnknownTypesAndEventsOfOlderBuilds() {
        // an older build: no attempt field (reads as 0), no checkpoint path
        CheckpointEvent old = CheckpointEventFixtures.committed(KEY, "s3://b/e/r/m", 1)
                .job(JOB_1, 0)
                .checkpoint(3L, null)
                .build();
        CheckpointEvent future = CheckpointEventFixtures.committed(KEY, "s3://b/e/r/m", 9)
                .type("epoch-renamed")
                .job(JOB_1, 1)
                .checkpoint(3L, null)
                .build();
        CheckpointEvent bounded = CheckpointEventFixtures.committed(KEY, "s3://b/e/r/m", 2)
                .job(JOB_1, 1)
                .checkpoint(null, "s3://b/cp")
                .build();
        RunHistory h = RunHistory.of(List.of(
                old,
                future,
                bounded,
                CheckpointEvent.epochDeleted(new RunKey("e", "r", "m"), 1, "s3://b/e/r/m/epoch-000001/")
                        .samplesTotal(200)
                        .checkpoint(5L, null)
                        .flinkJobId(JOB_1)
                        .build()));
        assertEquals(1, old.lineage(), "no attempt field: attempt 1");
        assertEquals(
                List.of(1L, 2L),
                h.liveEpochs().stream().map(CheckpointEvent::epoch).toList(),
                "the unknown type is skipped");
        assertTrue(h.artifactDeleted(h.live(1).orElseThrow()));
        assertTrue(h.restorePoints().isEmpty());
        assertTrue(assertThrows(RunHistory.NoRestorePoint.class, () -> h.restorePointFor(1))
                .getMessage()
                .contains("older build"));
        assertTrue(assertThrows(RunHistory.NoRestorePoint.class, () -> h.restorePointFor(2))
                .getMessage()
                .contains("bounded input"));
    }
}
