package dev.streamtrain.jobs.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.configuration.ConfigOption;
import org.junit.jupiter.api.Test;

/** The configuration table of docs/configuration.md and the code name the same keys; bad configuration fails clearly. */
class ConfigDocumentationTest {

    @Test
    void documentedTableListsExactlyTheKeysOfTrainingJobOptions() throws Exception {
        Path doc = Path.of(System.getProperty("maven.multiModuleProjectDirectory", ".."), "docs", "configuration.md");
        if (!Files.exists(doc)) {
            doc = Path.of("..", "docs", "configuration.md");
        }
        Set<String> documented = new TreeSet<>();
        Matcher m = Pattern.compile("(?m)^\\| `([a-z0-9.-]+)` \\|").matcher(Files.readString(doc));
        while (m.find()) {
            documented.add(m.group(1));
        }
        Set<String> code = new TreeSet<>();
        for (ConfigOption<?> o : TrainingJobOptions.ALL) {
            code.add(o.key());
        }
        assertEquals(code, documented);
    }

    @Test
    void everyProblemIsReportedAtOnceSayingWhatToFix() {
        InvalidConfigurationException e = assertThrows(
                InvalidConfigurationException.class,
                () -> JobConfig.fromMap(
                        Map.of("sample.feature-dim", "8", "run.name", "has space", "checkpoint.dir", "/tmp/x")));
        String msg = e.getMessage();
        assertTrue(msg.contains("kafka.bootstrap-servers is required"), msg);
        assertTrue(msg.contains("run.name = 'has space'"), msg);
        assertTrue(msg.contains("checkpoint.dir = '/tmp/x'"), msg);
    }

    @Test
    void typosGetASuggestionAndBadValuesNameTheKey() {
        InvalidConfigurationException typo = assertThrows(
                InvalidConfigurationException.class, () -> JobConfig.fromMap(Map.of("model.batchsize", "3")));
        assertTrue(typo.getMessage().contains("did you mean 'model.batch-size'"), typo.getMessage());
        InvalidConfigurationException bad = assertThrows(
                InvalidConfigurationException.class,
                () -> JobConfig.fromMap(Map.of(
                        "kafka.bootstrap-servers",
                        "x:1",
                        "sample.feature-dim",
                        "8",
                        "checkpoint.dir",
                        "s3://b/c",
                        "model.batch-size",
                        "lots")));
        assertTrue(bad.getMessage().contains("model.batch-size = 'lots'"), bad.getMessage());
    }

    @Test
    void aValidConfigurationBuildsTheModelFromTheSampleSchema() {
        JobConfig c = JobConfig.fromMap(Map.of(
                "kafka.bootstrap-servers",
                "x:1",
                "sample.feature-dim",
                "8",
                "sample.label-kind",
                "CLASS",
                "sample.num-classes",
                "3",
                "checkpoint.dir",
                "s3://bucket/cp",
                "model.hidden",
                "16;4"));
        assertEquals(8, c.modelSpec().inputDim());
        assertEquals(3, c.modelSpec().outputDim());
        assertEquals(List.of(16, 4), c.modelSpec().hiddenSizes());
        assertEquals("SOFTMAX_CROSS_ENTROPY", c.modelSpec().loss().name());
        assertEquals("bucket", c.storeBucket());
    }
}
