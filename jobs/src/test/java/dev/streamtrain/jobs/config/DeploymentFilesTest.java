package dev.streamtrain.jobs.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * docker/ cannot be started here (no Docker engine): this checks what can be checked — the compose
 * files parse, and their service names, ports and mounts agree with conf/ and the build.
 */
class DeploymentFilesTest {
    private static final Path ROOT = Path.of("..");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    @Test
    void composeServicesPortsAndMountsAgreeWithConf() throws Exception {
        JsonNode compose = YAML.readTree(ROOT.resolve("docker/docker-compose.yml").toFile());
        JsonNode services = compose.path("services");
        for (String s : List.of("kafka", "minio", "minio-init", "jobmanager", "taskmanager")) {
            assertTrue(services.has(s), "service " + s);
        }
        JsonNode cluster = YAML.readTree(ROOT.resolve("conf/config.yaml").toFile());
        JsonNode job = YAML.readTree(ROOT.resolve("conf/job.example.yaml").toFile());

        URI s3 = URI.create(cluster.path("s3.endpoint").asText());
        assertTrue(services.has(s3.getHost()), "s3.endpoint names a compose service: " + s3);
        assertTrue(ports(services.path(s3.getHost())).contains(s3.getPort() + ":" + s3.getPort()));
        String[] kafka = job.path("kafka").path("bootstrap-servers").asText().split(":");
        assertTrue(services.has(kafka[0]), "kafka.bootstrap-servers names a compose service");
        assertTrue(services.path(kafka[0]).path("environment").path("KAFKA_ADVERTISED_LISTENERS").asText()
                .contains(kafka[0] + ":" + kafka[1]));
        assertEquals(cluster.path("jobmanager.rpc.address").asText(), "jobmanager");
        assertTrue(services.path("jobmanager").path("environment").path("ENABLE_BUILT_IN_PLUGINS").asText()
                .startsWith("flink-s3-fs-presto-2.2.0"), "the presto S3 plugin is enabled");

        // every mounted DJL jar is one the build copies to jobs/target/flink-lib
        String pom = Files.readString(ROOT.resolve("jobs/pom.xml"));
        for (JsonNode volume : services.path("taskmanager").path("volumes")) {
            String v = volume.asText();
            if (v.contains("flink-lib/")) {
                String jar = v.replaceAll(".*flink-lib/([^:]+):.*", "$1");
                assertTrue(pom.contains("<destFileName>" + jar + "</destFileName>"), jar + " is built");
            }
        }
        assertTrue(services.path("minio-init").path("entrypoint").asText().contains("version enable"),
                "the bucket gets versioning, as the seed recommends");
    }

    @Test
    void gpuOverrideParsesAndReservesAGpu() throws Exception {
        JsonNode gpu = YAML.readTree(ROOT.resolve("docker/docker-compose.gpu.yml").toFile());
        JsonNode tm = gpu.path("services").path("taskmanager");
        assertEquals("nvidia", tm.path("deploy").path("resources").path("reservations").path("devices").get(0).path("driver").asText());
        assertTrue(Files.exists(ROOT.resolve("docker").resolve(tm.path("build").path("dockerfile").asText().replace("docker/", ""))));
    }

    private static List<String> ports(JsonNode service) {
        List<String> out = new ArrayList<>();
        service.path("ports").forEach(p -> out.add(p.asText()));
        return out;
    }
}
