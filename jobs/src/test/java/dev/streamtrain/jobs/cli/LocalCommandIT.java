package dev.streamtrain.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamtrain.jobs.cluster.FlinkCluster;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's first command as a user runs it — {@code ./streamtrain local}, through the launcher,
 * after {@code package} — on a tiny stream: exit 0, and stdout holds nothing but the checkpoint
 * events, every epoch-window once.
 */
class LocalCommandIT {
    private static final int SAMPLES = 2_560;
    private static final int WINDOW = 640;

    @Test
    void trainsATinyStreamAndPrintsEveryEpochsEventOnce(@TempDir Path dir) throws Exception {
        Path launcher = FlinkCluster.home().resolve("streamtrain");
        Path out = dir.resolve("stdout");
        Path err = dir.resolve("stderr");
        Process p = new ProcessBuilder(
                        launcher.toString(),
                        "local",
                        "--samples",
                        String.valueOf(SAMPLES),
                        "--epoch-samples",
                        String.valueOf(WINDOW),
                        "--feature-dim",
                        "8",
                        "--hidden",
                        "16",
                        "--batch-size",
                        "64",
                        "--checkpoint-interval",
                        "300 ms",
                        "--device",
                        "CPU",
                        "--work-dir",
                        dir.resolve("work").toString())
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        if (!p.waitFor(4, TimeUnit.MINUTES)) {
            p.destroyForcibly().waitFor();
            throw new AssertionError("./streamtrain local did not finish in 4 min; stderr:\n" + Files.readString(err));
        }
        String stderr = Files.readString(err, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), stderr);

        List<Long> epochs = new ArrayList<>();
        for (String line : Files.readAllLines(out, StandardCharsets.UTF_8)) {
            JsonNode event = new ObjectMapper().readTree(line); // every stdout line is an event: nothing else
            assertEquals("epoch-committed", event.path("type").asText(), line);
            epochs.add(event.path("epoch").asLong());
            assertEquals(
                    WINDOW * event.path("epoch").asLong(),
                    event.path("samplesTotal").asLong(),
                    line);
            assertTrue(event.path("manifestUri").asText().startsWith("s3://streamtrain/local/"), line);
        }
        assertEquals(
                LongStream.rangeClosed(1, SAMPLES / WINDOW).boxed().toList(),
                epochs,
                "every window's event once, in order; stderr:\n" + stderr);
        assertTrue(stderr.contains("done: 2,560 samples trained"), stderr);
    }
}
