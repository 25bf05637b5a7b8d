package dev.streamtrain.rollback;

import static dev.streamtrain.rollback.RollbackFakes.JOB_1;
import static dev.streamtrain.rollback.RollbackFakes.KEY;
import static dev.streamtrain.rollback.RollbackFakes.committed;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamtrain.events.CheckpointEvent;
import dev.streamtrain.rollback.RollbackRefused.Reason;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The rollback's steps, their failures and the undo path, against an in-memory cluster, topic and store. */
class RollbackExecutorTest {
    private static final String TARGET = "s3://b/cp/" + JOB_1 + "/chk-6";
    private static final String SAVEPOINT = "s3://b/sp/savepoint-111111";

    private final RollbackFakes.Events events = new RollbackFakes.Events(
            List.of(committed(1, 1, JOB_1, 4), committed(2, 1, JOB_1, 6), committed(3, 1, JOB_1, 8)));
    private final RollbackFakes.Flink flink =
            new RollbackFakes.Flink().running(JOB_1, Map.of("model.learning-rate", "0.001"));
    private final RollbackFakes.Store store = new RollbackFakes.Store().holding(events.topic);
    private final RollbackFakes.Job job = new RollbackFakes.Job();
    private final List<String> progress = new ArrayList<>();

    private RollbackPlan planToEpoch2() throws Exception {
        return new RollbackPlanner(store, () -> flink, job).plan(KEY, events.history(), 2, null);
    }

    private RollbackResult execute(RollbackPlan plan) throws Exception {
        return new RollbackExecutor(flink, events, store, job, Duration.ofSeconds(5), progress::add).execute(plan);
    }

    @Test
    void stopsMovesLatestPublishesAndRestartsAsTheNextAttempt() throws Exception {
        RollbackPlan plan = planToEpoch2();
        // the stopped job commits epoch 4 while it takes its savepoint: it is superseded too
        flink.whileStopping = () -> events.topic.add(committed(4, 1, JOB_1, 10));
        RollbackResult result = execute(plan);

        assertEquals(List.of(JOB_1), flink.cancelled);
        assertEquals(List.of(URI.create("s3://b/e/r/m/epoch-000002/manifest.json")), store.latestMoves);
        CheckpointEvent rolledBack = events.published.get(0);
        assertEquals(1, events.published.size());
        assertEquals(CheckpointEvent.ROLLED_BACK, rolledBack.type());
        assertEquals(2, rolledBack.epoch());
        assertEquals(2, rolledBack.attempt());
        assertEquals(new CheckpointEvent.Rollback(1, List.of(3L, 4L), JOB_1, SAVEPOINT), rolledBack.rollback());

        RollbackFakes.Flink.Run run = flink.runs.get(0);
        assertEquals(1, flink.runs.size());
        assertEquals(TARGET, run.restorePath());
        assertEquals("dev.test.Job", run.entryClass());
        assertEquals(List.of("--model.learning-rate", "0.001", "--run.attempt", "2"), run.args());
        assertEquals(rolledBack.flinkJobId(), run.jobId(), "the event names the job that was started");
        assertEquals(List.of(run.jarId()), flink.deletedJars, "the uploaded jar is deleted again");

        assertEquals(
                new RollbackResult(
                        2,
                        2,
                        TARGET,
                        run.jobId(),
                        JOB_1,
                        SAVEPOINT,
                        List.of(3L, 4L),
                        "s3://b/e/r/m/epoch-000002/manifest.json"),
                result);
        assertTrue(
                result.toJson().startsWith("{\"rolledBackTo\":2,\"attempt\":2,\"restoredFrom\":\"" + TARGET + "\""),
                result.toJson());
        assertEquals("cancelling job " + JOB_1 + " with a savepoint into s3://b/sp…", progress.get(0));
        assertTrue(
                progress.get(progress.size() - 1).startsWith("e/r/m rolled back to epoch 2; epochs [3, 4] superseded"),
                progress.toString());
    }

    @Test
    void aJobThatIsNotRunningIsRestoredWithoutASavepoint() throws Exception {
        flink.states.put(JOB_1, "CANCELED");
        RollbackResult result = execute(planToEpoch2());
        assertTrue(flink.cancelled.isEmpty());
        assertNull(result.savepointPath());
        assertEquals(
                new CheckpointEvent.Rollback(1, List.of(3L), null, null),
                events.published.get(0).rollback());
        assertEquals("job " + JOB_1 + " is not running (CANCELED): nothing to stop", progress.get(0));
        assertEquals("RUNNING", flink.states.get(result.flinkJobId()));
    }

    @Test
    void aFailedSavepointLeavesTheJobAsItWasAndSaysHowToGoOn() throws Exception {
        RollbackPlan plan = planToEpoch2();
        flink.savepointFailure =
                "the savepoint of job " + JOB_1 + " failed: java.lang.RuntimeException: task is failing";
        RollbackRefused e = assertThrows(RollbackRefused.class, () -> execute(plan));
        assertEquals(Reason.SETUP, e.reason());
        assertEquals(
                flink.savepointFailure
                        + ". Nothing changed. If the job cannot take a savepoint because it keeps failing, "
                        + "cancel it (./streamtrain flink cancel " + JOB_1 + ", or PATCH /jobs/" + JOB_1
                        + "?mode=cancel; its "
                        + "retained checkpoints stay) and run the rollback again",
                e.getMessage());
        assertEquals("RUNNING", flink.states.get(JOB_1));
        assertTrue(
                flink.runs.isEmpty() && events.published.isEmpty() && store.latestMoves.isEmpty(), "nothing changed");
    }

    @Test
    void aRestorePointSubsumedWhileStoppingUndoesTheStop() throws Exception {
        RollbackPlan plan = planToEpoch2();
        flink.whileStopping = () -> store.objects.remove(TARGET + "/_metadata");
        RollbackRefused e = assertThrows(RollbackRefused.class, () -> execute(plan));
        assertEquals(Reason.NO_RESTORE_POINT, e.reason());

        RollbackFakes.Flink.Run resumed = flink.runs.get(0);
        assertEquals(1, flink.runs.size());
        assertEquals(SAVEPOINT, resumed.restorePath(), "the stopped job runs again from its savepoint");
        assertEquals(
                List.of("--model.learning-rate", "0.001", "--run.attempt", "1"),
                resumed.args(),
                "as the attempt it was");
        assertEquals("RUNNING", flink.states.get(resumed.jobId()));
        assertEquals(
                "the restore point of epoch 2 (" + TARGET + ") was deleted by Flink (a newer checkpoint subsumed it) "
                        + "while the job was being stopped. Nothing changed: the job runs again from its savepoint "
                        + SAVEPOINT
                        + " as job " + resumed.jobId() + ". Restorable now: epochs [1, 3]",
                e.getMessage());
        assertTrue(events.published.isEmpty() && store.latestMoves.isEmpty(), "no event, latest not moved");
    }

    @Test
    void aRestorePointGoneWithNoJobStoppedStartsNothing() throws Exception {
        flink.states.put(JOB_1, "CANCELED");
        RollbackPlan plan = planToEpoch2();
        store.objects.remove(TARGET + "/_metadata");
        RollbackRefused e = assertThrows(RollbackRefused.class, () -> execute(plan));
        assertEquals(Reason.NO_RESTORE_POINT, e.reason());
        assertTrue(
                e.getMessage().contains("while the job was being stopped. Nothing changed. Restorable now"),
                e.getMessage());
        assertTrue(flink.runs.isEmpty() && events.published.isEmpty() && store.latestMoves.isEmpty());
    }

    @Test
    void aFailureAfterTheStopNamesTheSavepoint() throws Exception {
        RollbackPlan plan = planToEpoch2();
        events.publishFailure = "could not publish the rolled-back event to 'events' on broker:9092: timed out";
        RollbackRefused e = assertThrows(RollbackRefused.class, () -> execute(plan));
        assertEquals(Reason.FAILED_AFTER_STOP, e.reason());
        assertEquals(
                "the rollback failed after job " + JOB_1 + " was stopped (savepoint " + SAVEPOINT + "): "
                        + events.publishFailure
                        + ". Run the same rollback again; or go forward again with flink run -s <savepoint>",
                e.getMessage());
        assertTrue(flink.runs.isEmpty(), "no job started without its event");
    }

    @Test
    void aRestartedJobThatDoesNotRunIsAFailureAfterTheStop() throws Exception {
        RollbackPlan plan = planToEpoch2();
        flink.submittedJobsReach = "FAILED";
        RollbackRefused e = assertThrows(RollbackRefused.class, () -> execute(plan));
        assertEquals(Reason.FAILED_AFTER_STOP, e.reason());
        String newJob = flink.runs.get(0).jobId();
        assertTrue(
                e.getMessage().contains("the job " + newJob + " restored from " + TARGET + " is FAILED, not RUNNING"),
                e.getMessage());
    }

    @Test
    void anotherRollbackInBetweenMovesTheAttemptOn() throws Exception {
        RollbackPlan plan = planToEpoch2();
        flink.whileStopping = () -> events.topic.add(CheckpointEvent.rolledBack(
                events.topic.get(2), JOB_1, 2, new CheckpointEvent.Rollback(1, List.of(), null, null)));
        RollbackResult result = execute(plan);
        assertNotEquals(plan.attempt(), result.attempt());
        assertEquals(3, result.attempt());
        assertEquals(
                List.of("--model.learning-rate", "0.001", "--run.attempt", "3"),
                flink.runs.get(0).args());
    }
}
