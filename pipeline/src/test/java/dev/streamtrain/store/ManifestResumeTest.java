package dev.streamtrain.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The manifest's {@code resume} block: what makes an artifact a restore point. */
class ManifestResumeTest {

    private static Manifest withResume(Manifest.Resume resume) {
        Manifest m = ManifestTest.sample(0.25);
        return Manifest.builder(m.runKey(), m.epoch())
                .modelConfig(m.modelConfig())
                .files(m.files())
                .createdAt(Instant.parse(m.createdAt()))
                .resume(resume)
                .build();
    }

    @Test
    void roundTripsExactlyIncludingTheGuardsRunningMean() throws IOException {
        // a mean with all 53 bits in use: the restore must get the same double back, not a rounded one
        double mean = 0.1 + 0.2;
        Manifest.Resume resume = new Manifest.Resume(
                Map.of("samples-1", 21L, "samples-0", 10L), 5000, 79, 1.0 / 3, 7, 4480, mean, 79, null);
        Manifest manifest = withResume(resume);
        byte[] json = manifest.toJson();
        Manifest read = Manifest.fromJson(json);
        assertEquals(resume, read.resume());
        assertEquals(
                Double.doubleToRawLongBits(mean),
                Double.doubleToRawLongBits(read.resume().guardRunningMean()));

        JsonNode tree = new ObjectMapper().readTree(json).get("resume");
        assertEquals(21, tree.get("nextOffsets").get("samples-1").longValue());
        assertEquals(5000, tree.get("samplesTotal").longValue());
        assertTrue(!tree.has("nextWindowEndMillis"), "absent, not null, when windows count samples: " + tree);
    }

    @Test
    void aManifestOfAnOlderBuildHasNoResumeAndStillReads() throws IOException {
        String old = new String(ManifestTest.sample(0.5).toJson(), StandardCharsets.UTF_8);
        assertTrue(!old.contains("\"resume\""), "the sample has no resume block: " + old);
        assertNull(Manifest.fromJson(old.getBytes(StandardCharsets.UTF_8)).resume());
    }
}
