package dev.streamtrain.jobs.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** conf/ agrees with the code: the job example uses only real keys, the cluster config the same bucket. */
class ConfFilesTest {
    private static final Path CONF = Path.of("..", "conf");

    @Test
    void theJobExampleLoadsAndValidates() {
        JobConfig config = JobConfig.fromArgs(new String[] {"--config", CONF.resolve("job.example.yaml").toString()});
        assertEquals(64, config.modelSpec().inputDim());
        assertEquals(java.util.List.of(256, 256), config.modelSpec().hiddenSizes());
        assertEquals("streamtrain", config.storeBucket());
    }

    @Test
    void clusterCheckpointsAndArtifactsShareTheBucketAndTheEndpointHasItsProtocol() throws Exception {
        JsonNode cluster = new ObjectMapper(new YAMLFactory()).readTree(CONF.resolve("config.yaml").toFile());
        JsonNode job = new ObjectMapper(new YAMLFactory()).readTree(CONF.resolve("job.example.yaml").toFile());
        String bucket = job.path("store").path("bucket").asText();
        assertTrue(cluster.path("execution.checkpointing.dir").asText().startsWith("s3://" + bucket + "/"));
        assertTrue(cluster.path("execution.checkpointing.savepoint-dir").asText().startsWith("s3://" + bucket + "/"));
        assertTrue(cluster.path("s3.endpoint").asText().startsWith("http"), "s3.endpoint needs its protocol");
        String env = Files.readString(CONF.resolve(".env.example"));
        assertTrue(env.contains("AWS_ENDPOINT_URL=" + cluster.path("s3.endpoint").asText()), "same endpoint in .env.example");
    }

    @Test
    void noRealSecretIsCommitted() throws Exception {
        try (Stream<Path> files = Files.list(CONF)) {
            for (Path f : files.toList()) {
                for (String line : Files.readAllLines(f)) {
                    if (line.matches("(?i)^\\s*(s3\\.secret-key|AWS_SECRET_ACCESS_KEY)\\s*[:=].*")) {
                        assertTrue(line.contains("CHANGE-ME"), f + ": a secret that is not a placeholder: " + line);
                    }
                }
            }
        }
    }
}
