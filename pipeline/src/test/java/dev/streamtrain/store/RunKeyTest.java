package dev.streamtrain.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RunKeyTest {
    @Test
    void toStringAndParseAreInverse() {
        RunKey key = new RunKey("churn", "run-7", "mlp_v2.1");
        assertEquals("churn/run-7/mlp_v2.1", key.toString());
        assertEquals(key, RunKey.parse(key.toString()));
    }

    @Test
    void theLayoutPrefixIsTheKey() {
        RunKey key = new RunKey("churn", "run-7", "mlp_v2.1");
        assertEquals(key + "/", new ArtifactLayout("models", key).modelPrefix());
        assertEquals(key, new ArtifactLayout("models", "churn", "run-7", "mlp_v2.1").key());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a/b", "a/b/c/d", "a//c", "a/b/", "a/../c", "a/b c/d", "a/./c"})
    void parseRefusesWhatIsNotThreeValidNames(String bad) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RunKey.parse(bad));
        assertTrue(e.getMessage().contains("'"), e.getMessage());
    }

    @Test
    void namesAreCheckedLikeTheLayoutChecksThem() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new RunKey("exp", "..", "m"));
        assertTrue(e.getMessage().startsWith("run must be"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> RunKey.parse(null));
    }
}
