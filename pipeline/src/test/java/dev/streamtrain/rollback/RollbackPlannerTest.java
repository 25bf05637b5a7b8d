package dev.streamtrain.rollback;

import static dev.streamtrain.rollback.RollbackFakes.JOB_1;
import static dev.streamtrain.rollback.RollbackFakes.JOB_2;
import static dev.streamtrain.rollback.RollbackFakes.KEY;
import static dev.streamtrain.rollback.RollbackFakes.committed;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamtrain.events.CheckpointEvent;
import dev.streamtrain.rollback.RollbackRefused.Reason;
import dev.streamtrain.store.RunKey;
import java.io.IOException;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Every check a rollback makes before anything changes, against an in-memory cluster, topic and store. */
class RollbackPlannerTest {
    private static final Map<String, String> REPORTED = new LinkedHashMap<>();

    static {
        REPORTED.put("s3.secret-key", "s3cr3t-value");
        REPORTED.put("model.learning-rate", "0.001");
    }

    private final List<CheckpointEvent> story =
            new ArrayList<>(List.of(committed(1, 1, JOB_1, 4), committed(2, 1, JOB_1, 6), committed(3, 1, JOB_1, 8)));
    private final RollbackFakes.Flink flink = new RollbackFakes.Flink().running(JOB_1, REPORTED);
    private final RollbackFakes.Store store = new RollbackFakes.Store().holding(story);
    private final RollbackFakes.Job job = new RollbackFakes.Job();

    private RollbackPlan plan(long epoch) throws IOException {
        return new RollbackPlanner(store, () -> flink, job).plan(KEY, RunHistory.of(story), epoch, null);
    }

    @Test
    void thePlanIsWhatTheDryRunPrintsWithTheSecretsMasked() throws Exception {
        RollbackPlan plan = plan(2);
        JsonNode json = new ObjectMapper().readTree(plan.toJson());
        assertEquals(
                List.of(
                        "rollBackTo",
                        "kind",
                        "restoreFrom",
                        "attempt",
                        "stop",
                        "savepointDir",
                        "supersededSoFar",
                        "latest",
                        "jar",
                        "jobArguments"),
                iterable(json.fieldNames()),
                "the dry run's JSON shape");
        assertEquals(2, json.path("rollBackTo").asLong());
        assertEquals("checkpoint", json.path("kind").asText());
        assertEquals("s3://b/cp/" + JOB_1 + "/chk-6", json.path("restoreFrom").asText());
        assertEquals(2, json.path("attempt").asInt());
        assertEquals(JOB_1, json.path("stop").asText());
        assertEquals("s3://b/sp", json.path("savepointDir").asText(), "the cluster's savepoint-dir");
        assertEquals("[3]", json.path("supersededSoFar").toString());
        assertEquals(
                "s3://b/e/r/m/epoch-000002/manifest.json", json.path("latest").asText());
        assertEquals("job.jar", json.path("jar").asText());
        assertEquals(
                "[\"--s3.secret-key\",\"******\",\"--model.learning-rate\",\"0.001\",\"--run.attempt\",\"2\"]",
                json.path("jobArguments").toString());
        assertFalse(plan.toString().contains("s3cr3t-value"), "toString shows no secret: " + plan);
        assertTrue(plan.jobArguments().contains("s3cr3t-value"), "the restarted job gets the secret");
        assertNothingChanged();
    }

    @Test
    void aGivenSavepointDirectoryWinsOverTheClusters() throws Exception {
        RollbackPlan plan =
                new RollbackPlanner(store, () -> flink, job).plan(KEY, RunHistory.of(story), 2, "s3://mine/sp");
        assertEquals("s3://mine/sp", plan.savepointDir());
    }

    @Test
    void aJobThatIsNotRunningIsNotStopped() throws Exception {
        flink.states.put(JOB_1, "CANCELED");
        RollbackPlan plan = plan(2);
        assertNull(plan.stop());
        assertNull(plan.savepointDir(), "no savepoint to take");
        assertEquals(JOB_1, plan.previousJobId(), "the job that wrote the newest event");
        assertEquals("CANCELED", plan.previousJobState());
        assertEquals(
                "--run.attempt",
                plan.jobArguments().get(plan.jobArguments().size() - 2),
                "its parameters are still known to the cluster");
    }

    @Test
    void anEpochThatIsNotLiveIsRefused() {
        assertRefused(
                Reason.NO_RESTORE_POINT,
                "epoch 7 is not a live epoch of this run; live epochs: [1, 2, 3]",
                () -> plan(7));
    }

    @Test
    void anEpochWhoseCheckpointAlsoCommittedANewerOneIsRefused() {
        story.add(committed(4, 1, JOB_1, 8)); // checkpoint 8 committed epochs 3 and 4
        assertRefused(Reason.NO_RESTORE_POINT, "checkpoint 8 also committed epoch 4", () -> plan(3));
    }

    @Test
    void aRestorePointThatNoLongerExistsIsRefusedNamingTheRestorableOnes() {
        store.objects.remove("s3://b/cp/" + JOB_1 + "/chk-4/_metadata");
        assertRefused(
                Reason.NO_RESTORE_POINT,
                "the restore point of epoch 1 (s3://b/cp/" + JOB_1 + "/chk-4) no longer exists",
                () -> plan(1));
        assertRefused(
                Reason.NO_RESTORE_POINT,
                "Restorable now: epochs [2, 3] (./streamtrain rollback --key e/r/m lists them)",
                () -> plan(1));
    }

    @Test
    void anEpochWhoseArtifactRetentionDeletedIsRefused() {
        story.add(CheckpointEvent.epochDeleted(new RunKey("e", "r", "m"), 2, "s3://b/e/r/m/epoch-000002/")
                .samplesTotal(200)
                .checkpoint(9L, null)
                .flinkJobId(JOB_1)
                .build());
        assertRefused(
                Reason.NO_RESTORE_POINT,
                "the artifact of epoch 2 (s3://b/e/r/m/epoch-000002/) was deleted by retention",
                () -> plan(2));
    }

    @Test
    void anEpochWhoseManifestIsGoneIsRefusedEvenWithoutADeletionEvent() {
        store.objects.remove("s3://b/e/r/m/epoch-000002/manifest.json");
        assertRefused(Reason.NO_RESTORE_POINT, "'latest' cannot point at it", () -> plan(2));
    }

    @Test
    void twoJobsTrainingTheRunAreRefused() {
        flink.running(JOB_2, REPORTED);
        assertRefused(
                Reason.SETUP, "jobs [" + JOB_1 + ", " + JOB_2 + "] all train e/r/m: cancel all but one", () -> plan(2));
    }

    @Test
    void aJobWhoseParametersTheClusterForgotIsRefusedUnlessTheyAreGiven() throws Exception {
        flink.states.clear();
        flink.parameters.clear();
        assertRefused(
                Reason.SETUP,
                "the cluster at http://flink.test:8081 has no parameters of job " + JOB_1
                        + " (not known to it, or started by an older build): give the job's arguments after --",
                () -> plan(2));
        job.overrides = List.of("--model.learning-rate", "0.0005");
        RollbackPlan plan = plan(2);
        assertEquals("unknown to the cluster", plan.previousJobState());
        assertEquals(List.of("--model.learning-rate", "0.0005", "--run.attempt", "2"), plan.jobArguments());
    }

    @Test
    void argumentsThatCannotBeRebuiltAreRefused() {
        RestartableJob secretLost = new RollbackFakes.Job() {
            @Override
            public Optional<List<String>> arguments(Map<String, String> reported, int attempt) {
                throw new RollbackRefused(
                        Reason.SETUP, "the job was given the secret s3.secret-key, which Flink does not show");
            }
        };
        assertRefused(
                Reason.SETUP,
                "which Flink does not show",
                () -> new RollbackPlanner(store, () -> flink, secretLost).plan(KEY, RunHistory.of(story), 2, null));
    }

    @Test
    void aClusterWithoutASavepointDirectoryIsRefused() {
        flink.config.clear();
        assertRefused(
                Reason.SETUP,
                "the cluster has no execution.checkpointing.savepoint-dir: give --savepoint-dir",
                () -> plan(2));
    }

    @Test
    void theClusterIsNotAskedWhenTheRestorePointIsGone() {
        store.objects.clear();
        RollbackPlanner planner = new RollbackPlanner(
                store,
                () -> {
                    throw new AssertionError("asked for the cluster");
                },
                job);
        assertRefused(
                Reason.NO_RESTORE_POINT, "no longer exists", () -> planner.plan(KEY, RunHistory.of(story), 2, null));
    }

    @Test
    void anUnreachableRestApiIsAClearErrorAndChangesNothing() throws IOException {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        String url = "http://127.0.0.1:" + closedPort;
        RollbackPlanner planner = new RollbackPlanner(store, () -> new FlinkRest(url), job);
        IOException e = assertThrows(IOException.class, () -> planner.plan(KEY, RunHistory.of(story), 2, null));
        assertEquals("Flink's REST API at " + url + " is unreachable: is the cluster up? (--rest-url)", e.getMessage());
        assertNothingChanged();
    }

    private void assertNothingChanged() {
        assertTrue(flink.cancelled.isEmpty() && flink.runs.isEmpty(), "no job stopped or started");
        assertEquals("RUNNING", flink.states.get(JOB_1));
        assertTrue(store.latestMoves.isEmpty(), "latest not moved");
    }

    private void assertRefused(Reason reason, String message, Executable planning) {
        RollbackRefused e = assertThrows(RollbackRefused.class, planning);
        assertEquals(reason, e.reason(), e.getMessage());
        assertTrue(e.getMessage().contains(message), e.getMessage());
        if (flink.states.containsKey(JOB_1)) {
            assertNothingChanged();
        }
    }

    private static List<String> iterable(Iterator<String> it) {
        List<String> out = new ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }
}
