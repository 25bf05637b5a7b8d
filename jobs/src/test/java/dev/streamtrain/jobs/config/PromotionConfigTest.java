package dev.streamtrain.jobs.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamtrain.eval.PromotionGate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The {@code store.promote-*} keys: defaults, the metric's default direction, and start-up refusals. */
class PromotionConfigTest {

    private static Map<String, String> base(String labelKind) {
        Map<String, String> m = new HashMap<>();
        m.put("kafka.bootstrap-servers", "localhost:9092");
        m.put("sample.feature-dim", "4");
        m.put("sample.label-kind", labelKind);
        m.put("checkpoint.dir", "s3://bucket/checkpoints");
        return m;
    }

    private static List<String> problems(Map<String, String> keys) {
        return assertThrows(InvalidConfigurationException.class, () -> JobConfig.fromMap(keys))
                .problems();
    }

    @Test
    void alwaysIsTheDefault() {
        assertTrue(JobConfig.fromMap(base("REGRESSION")).promotionGate().always());
    }

    @Test
    void theDirectionDefaultsFromTheMetricAndCanBeGiven() {
        Map<String, String> auc = base("BINARY");
        auc.put("store.promote-mode", "metric");
        auc.put("store.promote-metric", "rocAuc");
        auc.put("store.promote-tolerance", "0.01");
        PromotionGate gate = JobConfig.fromMap(auc).promotionGate();
        assertFalse(gate.always());
        assertEquals("rocAuc", gate.metric());
        assertTrue(gate.higherIsBetter(), "rocAuc: higher is better");
        assertEquals(0.01, gate.tolerance());

        Map<String, String> loss = base("REGRESSION");
        loss.put("store.promote-mode", "metric");
        assertFalse(JobConfig.fromMap(loss).promotionGate().higherIsBetter(), "loss: lower is better");
        loss.put("store.promote-direction", "higher");
        assertTrue(JobConfig.fromMap(loss).promotionGate().higherIsBetter());
    }

    @Test
    void aMetricTheLabelKindLacksFailsAtStartUpNamingTheValidOnes() {
        Map<String, String> keys = base("REGRESSION");
        keys.put("store.promote-mode", "metric");
        keys.put("store.promote-metric", "rocAuc");
        assertEquals(
                List.of("promotion: store.promote-metric 'rocAuc' is not a holdout metric of REGRESSION labels;"
                        + " use one of [loss, mse, mae]"),
                problems(keys));
    }

    @Test
    void badModeDirectionToleranceAndAMissingHoldoutAreRefused() {
        Map<String, String> mode = base("REGRESSION");
        mode.put("store.promote-mode", "sometimes");
        assertTrue(
                problems(mode).get(0).contains("store.promote-mode must be always or metric"),
                problems(mode).toString());
        Map<String, String> direction = base("REGRESSION");
        direction.put("store.promote-mode", "metric");
        direction.put("store.promote-direction", "up");
        assertTrue(problems(direction).get(0).contains("store.promote-direction must be lower or higher"));
        Map<String, String> tolerance = base("REGRESSION");
        tolerance.put("store.promote-tolerance", "-1");
        assertTrue(problems(tolerance).get(0).contains("store.promote-tolerance must be >= 0"));
        Map<String, String> noHoldout = base("REGRESSION");
        noHoldout.put("store.promote-mode", "metric");
        noHoldout.put("eval.holdout-fraction", "0");
        assertTrue(problems(noHoldout).get(0).contains("set eval.holdout-fraction above 0"));
    }
}
