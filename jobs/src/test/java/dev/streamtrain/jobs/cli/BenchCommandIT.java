package dev.streamtrain.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tiny {@code ./streamtrain bench} through the launcher after {@code package}: one model, a few
 * thousand samples, a 1 s bare loop (after its fixed 2 s warm-up). A benchmark asserts no speed;
 * this checks that the model line carries every field the README documents, with sane values, and
 * that the stack's data folder is removed. Only documented fields: the line may grow.
 */
class BenchCommandIT {
    private static final int BATCH = 64;
    private static final long SAMPLES = 80L * BATCH;

    @Test
    void aTinyRunPrintsOneModelLineWithEveryDocumentedField(@TempDir Path dir) throws Exception {
        Launched bench = Launched.run(
                Duration.ofMinutes(4),
                Map.of(),
                "bench",
                "--models",
                "small",
                "--samples",
                String.valueOf(SAMPLES),
                "--batch-size",
                String.valueOf(BATCH),
                "--bare-seconds",
                "1",
                "--checkpoint-interval",
                "1 s",
                "--work-dir",
                dir.toString());
        assertEquals(0, bench.exit(), bench.err());
        List<String> lines = bench.out().lines().filter(l -> !l.isBlank()).toList();
        assertEquals(1, lines.size(), "one JSON line per model on stdout, nothing else: " + bench.out());
        JsonNode row = new ObjectMapper().readTree(lines.get(0));
        String line = lines.get(0);

        assertEquals("small", row.path("model").asText(), line);
        assertEquals(BATCH, row.path("batchSize").asInt(), line);
        assertEquals(SAMPLES, row.path("samples").asLong(), line);
        assertEquals(
                SAMPLES, row.path("samplesTrained").asLong(), "whole batches: every produced sample trained; " + line);
        // rates and their ratio (b/a)
        double bare = row.path("bareSamplesPerSecond").asDouble();
        double pipeline = row.path("pipelineSamplesPerSecond").asDouble();
        double ratio = row.path("ratio").asDouble();
        assertTrue(bare > 0 && pipeline > 0, line);
        assertTrue(ratio > 0 && ratio < 2, "b/a: " + line);
        assertEquals(pipeline / bare, ratio, 0.01 + 0.01 * ratio, "ratio = pipeline / bare (rates rounded): " + line);
        // wall times
        long wall = row.path("pipelineWallMillis").asLong();
        assertTrue(wall > 0, line);
        assertTrue(row.path("endToEndSamplesPerSecond").asLong() > 0, line);
        assertTrue(
                row.path("firstReportMillis").asLong() >= 0
                        && row.path("firstReportMillis").asLong() <= wall,
                line);
        // checkpoints: the job's events commit with a checkpoint, so a bounded run ends with at least one
        assertEquals("1 s", row.path("checkpointInterval").asText(), line);
        assertTrue(row.path("checkpoints").asInt() >= 1, line);
        // not 0: with a 1 s interval, checkpoints triggered while the tasks still start count as failed here
        assertTrue(
                row.path("failedCheckpoints").isInt()
                        && row.path("failedCheckpoints").asInt() >= 0,
                line);
        long avg = row.path("checkpointAvgMillis").asLong();
        assertTrue(avg >= 0 && avg <= row.path("checkpointMaxMillis").asLong(), line);
        assertTrue(
                row.path("checkpointMaxBytes").asLong() > 0,
                "a checkpoint holds the model and the Adam moments: " + line);
        // thread settings and device
        assertTrue(row.has("djlNumThreads") && row.has("djlNumInteropThreads"), "reported even when not set: " + line);
        assertTrue(
                row.path("torchIntraOpThreads").asInt() >= 1
                        && row.path("torchInterOpThreads").asInt() >= 1,
                line);
        assertTrue(row.path("cpus").asInt() >= 1, line);
        assertFalse(row.path("device").asText().isBlank(), line);
        // the load of other processes during each measurement
        for (String field : List.of("bareOtherCores", "pipelineOtherCores", "bareOwnCores", "pipelineOwnCores")) {
            assertTrue(row.path(field).isNumber() && row.path(field).asDouble() >= 0, field + ": " + line);
        }
        assertTrue(row.path("pipelineOwnCores").asDouble() > 0, "the measured JVM used CPU: " + line);

        // memory of this JVM (the MiniCluster's TaskManager included) at the first and the end-of-input report
        for (String when : List.of("Start", "End")) {
            for (String what : List.of("RssBytes", "HeapUsedAfterGcBytes", "Samples")) {
                String field = "memory" + when + what;
                assertTrue(row.path(field).isIntegralNumber() && row.path(field).asLong() > 0, field + ": " + line);
            }
        }
        assertEquals(SAMPLES, row.path("memoryEndSamples").asLong(), "measured after the whole stream: " + line);
        assertTrue(row.path("memoryStartSamples").asLong() < SAMPLES, "measured while running: " + line);

        try (Stream<Path> left = Files.list(dir)) {
            assertEquals(List.of(), left.toList(), "the stack's data folder is deleted at the end");
        }
    }
}
