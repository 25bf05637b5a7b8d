package dev.streamtrain.rollback;

import static dev.streamtrain.rollback.RollbackFakes.JOB_1;
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
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A rollback to an epoch whose checkpoint Flink no longer retains: its artifact is the restore point
 * (kind {@code artifact}), checked before anything changes, and the job restarts with
 * {@code restore.from-artifact} instead of {@code -s}.
 */
class ArtifactRollbackTest {
    private static final Map<String, String> REPORTED = new LinkedHashMap<>();

    static {
        REPORTED.put("model.learning-rate", "0.001");
        // the stopped job was itself started from an artifact: a rollback must not start from that one again
        REPORTED.put("restore.from-artifact", "s3://b/e/r/m/epoch-000007/");
    }

    private final List<CheckpointEvent> story =
            new ArrayList<>(List.of(committed(1, 1, JOB_1, 4), committed(2, 1, JOB_1, 6), committed(3, 1, JOB_1, 8)));
    private final RollbackFakes.Flink flink = new RollbackFakes.Flink().running(JOB_1, REPORTED);
    private final RollbackFakes.Store store = new RollbackFakes.Store().holding(story);
    private final RollbackFakes.Job job = new RollbackFakes.Job();
    private final List<String> checked = new ArrayList<>();
    private ArtifactRestoreCheck artifacts = manifestUri -> {
        checked.add(manifestUri);
        return Map.of("samples-0", 100L, "samples-1", 42L);
    };

    ArtifactRollbackTest() {
        // Flink retains the newest checkpoint only: epoch 1's is gone, its artifact is not
        store.objects.remove(committed(1, 1, JOB_1, 4).checkpointPath() + "/_metadata");
    }

    private RollbackPlan plan(long epoch) throws IOException {
        return new RollbackPlanner(store, () -> flink, job, artifacts).plan(KEY, RunHistory.of(story), epoch, null);
    }

    @Test
    void anEpochWhoseCheckpointIsGoneRestoresFromItsArtifactAndTheDryRunShowsKindAndOffsets() throws Exception {
        RollbackPlan plan = plan(1);
        assertEquals(RestorePoint.Kind.ARTIFACT, plan.target().kind());
        assertEquals(List.of("s3://b/e/r/m/epoch-000001/manifest.json"), checked, "the artifact was checked");
        JsonNode json = new ObjectMapper().readTree(plan.toJson());
        assertEquals("artifact", json.path("kind").asText());
        assertEquals("s3://b/e/r/m/epoch-000001/", json.path("restoreFrom").asText());
        assertEquals(
                "{\"samples-0\":100,\"samples-1\":42}",
                json.path("startOffsets").toString());
        assertEquals(
                List.of(
                        "--model.learning-rate",
                        "0.001",
                        "--run.attempt",
                        "2",
                        "--restore.from-artifact",
                        "s3://b/e/r/m/epoch-000001/"),
                plan.jobArguments(),
                "the stopped job's own restore.from-artifact is replaced by epoch 1's");
        assertNothingChanged();
    }

    @Test
    void aRetainedCheckpointStaysTheFastPathAndDropsAReportedRestoreKey() throws Exception {
        RollbackPlan plan = plan(2);
        assertEquals(RestorePoint.Kind.CHECKPOINT, plan.target().kind());
        assertTrue(checked.isEmpty(), "no artifact check when the checkpoint restores");
        assertNull(plan.startOffsets());
        assertFalse(plan.toJson().contains("startOffsets"), plan.toJson());
        assertFalse(
                plan.jobArguments().contains("--restore.from-artifact"),
                plan.jobArguments().toString());
    }

    @Test
    void anArtifactThatFailsItsCheckIsRefusedWithBothReasonsAndNothingChanges() {
        artifacts = manifestUri -> {
            throw new RestoreRefusedException("optimizer.safetensors does not match its manifest");
        };
        RollbackRefused refused = assertThrows(RollbackRefused.class, () -> plan(1));
        assertEquals(Reason.NO_RESTORE_POINT, refused.reason());
        assertTrue(refused.getMessage().contains("no longer exists"), refused.getMessage());
        assertTrue(refused.getMessage().contains("optimizer.safetensors does not match"), refused.getMessage());
        assertNothingChanged();
    }

    @Test
    void anArtifactThatRetentionDeletedIsNoRestorePoint() {
        store.objects.remove(committed(1, 1, JOB_1, 4).manifestUri());
        story.add(CheckpointEvent.epochDeleted(KEY, 1, "s3://b/e/r/m/epoch-000001/")
                .samplesTotal(300)
                .checkpoint(9L, null)
                .flinkJobId(JOB_1)
                .build());
        RollbackRefused refused = assertThrows(RollbackRefused.class, () -> plan(1));
        assertEquals(Reason.NO_RESTORE_POINT, refused.reason());
        assertTrue(checked.isEmpty(), "a deleted artifact is not even read");
        assertNothingChanged();
    }

    @Test
    void theExecutorStopsWithASavepointMovesLatestPublishesAndStartsFromTheArtifact() throws Exception {
        RollbackFakes.Events events = new RollbackFakes.Events(story);
        RollbackPlan plan = plan(1);
        RollbackResult result =
                new RollbackExecutor(flink, events, store, job, Duration.ofSeconds(5), line -> {}).execute(plan);

        assertEquals(List.of(JOB_1), flink.cancelled, "the running job was cancelled with a savepoint");
        assertEquals(List.of(URI.create("s3://b/e/r/m/epoch-000001/manifest.json")), store.latestMoves);
        assertEquals(1, events.published.size());
        CheckpointEvent rolledBack = events.published.get(0);
        assertEquals(CheckpointEvent.ROLLED_BACK, rolledBack.type());
        assertEquals(1, rolledBack.epoch());
        assertEquals(List.of(2L, 3L), rolledBack.rollback().supersededEpochs());
        assertEquals(1, flink.runs.size());
        RollbackFakes.Flink.Run run = flink.runs.get(0);
        assertNull(run.restorePath(), "no snapshot: the job reads the artifact itself");
        int at = run.args().indexOf("--restore.from-artifact");
        assertTrue(at >= 0, run.args().toString());
        assertEquals("s3://b/e/r/m/epoch-000001/", run.args().get(at + 1));
        assertEquals(at, run.args().lastIndexOf("--restore.from-artifact"), "given once: " + run.args());
        assertEquals("s3://b/e/r/m/epoch-000001/", result.restoredFrom());
        assertEquals(2, result.attempt());
    }

    private void assertNothingChanged() {
        assertTrue(flink.cancelled.isEmpty() && flink.runs.isEmpty(), "no job stopped or started");
        assertEquals("RUNNING", flink.states.get(JOB_1));
        assertTrue(store.latestMoves.isEmpty(), "latest not moved");
    }
}
