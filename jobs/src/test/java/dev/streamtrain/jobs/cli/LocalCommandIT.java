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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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

        // evaluation is on (the job's default): the held-out rows are read but never trained
        List<Long> epochs = new ArrayList<>();
        long trained = 0;
        long heldOut = 0;
        List<String> lines = Files.readAllLines(out, StandardCharsets.UTF_8);
        for (String line : lines) {
            JsonNode event = new ObjectMapper().readTree(line); // every stdout line is an event: nothing else
            assertEquals("epoch-committed", event.path("type").asText(), line);
            epochs.add(event.path("epoch").asLong());
            JsonNode manifest = event.path("manifest");
            trained += manifest.path("sampleCount").asLong();
            heldOut += manifest.path("metrics").path("holdout").path("samples").asLong();
            assertEquals(trained, event.path("samplesTotal").asLong(), "the windows add up; " + line);
            if (epochs.size() < lines.size()) {
                assertEquals(WINDOW, manifest.path("sampleCount").asLong(), "a full window; " + line);
            }
            assertTrue(manifest.path("metrics").path("holdout").path("mse").isNumber(), line);
            assertTrue(event.path("manifestUri").asText().startsWith("s3://streamtrain/local/"), line);
        }
        Matcher done = Pattern.compile("done: ([\\d,]+) samples trained \\((\\d+) pending")
                .matcher(stderr);
        assertTrue(done.find(), stderr);
        assertEquals(trained, Long.parseLong(done.group(1).replace(",", "")), stderr);
        long pending = Long.parseLong(done.group(2));
        assertEquals(SAMPLES, trained + pending + heldOut, "every sample trained, pending or held out, once");
        assertTrue(heldOut > 0 && heldOut < SAMPLES / 10, "about 2% held out: " + heldOut);
        assertEquals(
                LongStream.rangeClosed(1, (trained + WINDOW - 1) / WINDOW)
                        .boxed()
                        .toList(),
                epochs,
                "every window's event once, in order; stderr:\n" + stderr);
    }
}
