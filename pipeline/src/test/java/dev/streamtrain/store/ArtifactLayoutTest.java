package dev.streamtrain.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ArtifactLayoutTest {

    private final ArtifactLayout layout = new ArtifactLayout("models", "churn", "run-7", "mlp_v2.1");

    @Test
    void keysFollowTheContract() {
        assertEquals("churn/run-7/mlp_v2.1/epoch-000042/model.safetensors", layout.modelKey(42));
        assertEquals("churn/run-7/mlp_v2.1/epoch-000042/optimizer.safetensors", layout.optimizerKey(42));
        assertEquals("churn/run-7/mlp_v2.1/epoch-000042/manifest.json", layout.manifestKey(42));
        assertEquals("churn/run-7/mlp_v2.1/latest", layout.latestKey());
        assertEquals("churn/run-7/mlp_v2.1/model.safetensors", layout.stableModelKey());
        assertEquals(
                URI.create("s3://models/churn/run-7/mlp_v2.1/epoch-000000/manifest.json"),
                layout.uri(layout.manifestKey(0)));
        assertEquals("epoch-999999", ArtifactLayout.epochFolderName(999_999));
    }

    @Test
    void epochFoldersParseBackAndSortInEpochOrder() {
        assertEquals(OptionalLong.of(42), ArtifactLayout.parseEpochFolder("epoch-000042"));
        assertEquals(OptionalLong.empty(), ArtifactLayout.parseEpochFolder("epoch-42"));
        assertEquals(OptionalLong.empty(), ArtifactLayout.parseEpochFolder("latest"));
        assertTrue(ArtifactLayout.epochFolderName(9).compareTo(ArtifactLayout.epochFolderName(10)) < 0);
    }

    @Test
    void epochsOutsideSixDigitsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> ArtifactLayout.epochFolderName(-1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> layout.modelKey(1_000_000));
        assertTrue(e.getMessage().contains("six digits"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ".", "..", "a/b", "a b", "ü", "run:1", "x\\y"})
    void namesOutsideTheAllowedCharactersAreRefused(String bad) {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> new ArtifactLayout("models", "exp", bad, "model"));
        assertTrue(e.getMessage().startsWith("run must be"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"Models", "ab", "-models", "models-", "my_bucket", "a..b"})
    void bucketsFollowS3Rules(String bad) {
        assertThrows(IllegalArgumentException.class, () -> new ArtifactLayout(bad, "e", "r", "m"));
    }

    @Test
    void siblingsResolveNextToTheManifest() {
        URI manifest = layout.uri(layout.manifestKey(3));
        assertEquals(layout.uri(layout.modelKey(3)), ArtifactLayout.sibling(manifest, "model.safetensors"));
        assertThrows(IllegalArgumentException.class, () -> ArtifactLayout.sibling(manifest, "../latest"));
    }
}
