package dev.streamtrain.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamtrain.jobs.KafkaClients;
import dev.streamtrain.localstack.Await;
import dev.streamtrain.localstack.S3Credentials;
import dev.streamtrain.store.S3Clients;
import dev.streamtrain.store.S3Endpoint;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * {@code ./streamtrain stack} as a user runs it, through the launcher after {@code package}: the
 * one JSON line of endpoints and start-up times; with {@code --hold} the services answer until
 * SIGTERM (Ctrl-C), and afterwards no process and no listening port is left.
 */
class StackCommandIT {
    private static final Duration START = Duration.ofMinutes(2);
    private static final String BUCKET = "stack-it";

    @Test
    void withoutHoldItPrintsEndpointsAndStartUpTimesThenStopsTheStack(@TempDir Path dir) throws Exception {
        Launched stack = Launched.run(START, Map.of(), "stack", "--bucket", BUCKET, "--work-dir", dir.toString());
        assertEquals(0, stack.exit(), stack.err());
        List<String> lines = stack.out().lines().toList();
        assertEquals(1, lines.size(), "stdout is the one JSON line: " + stack.out());
        JsonNode info = assertEndpointLine(lines.get(0));
        assertFalse(Listening.hostPort(info.path("kafkaBootstrapServers").asText()), "the broker is stopped at exit");
        assertFalse(Listening.url(info.path("s3Endpoint").asText()), "the S3 server is stopped at exit");
    }

    @Test
    void withHoldTheServicesAnswerUntilSigtermAndNothingIsLeftRunning(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("stdout");
        Path err = dir.resolve("stderr");
        ProcessBuilder builder = new ProcessBuilder(
                        Launched.home().resolve("streamtrain").toString(),
                        "stack",
                        "--hold",
                        "--bucket",
                        BUCKET,
                        "--work-dir",
                        dir.resolve("work").toString())
                .directory(Launched.home().toFile())
                .redirectOutput(out.toFile())
                .redirectError(err.toFile());
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process launcher = builder.start();
        try {
            Await.until(START, 200, "the stack's JSON line on stdout", () -> {
                if (!launcher.isAlive()) {
                    throw new AssertionError("stack --hold exited " + launcher.exitValue() + ": " + read(err));
                }
                return read(out).endsWith("\n");
            });
            JsonNode info = assertEndpointLine(read(out).trim());
            String bootstrap = info.path("kafkaBootstrapServers").asText();
            String s3 = info.path("s3Endpoint").asText();
            List<ProcessHandle> children = launcher.descendants().toList();
            assertTrue(children.size() >= 2, "the broker and the S3 server run as child JVMs: " + children);

            String topic = "stack-it-" + launcher.pid();
            KafkaClients.createTopics(bootstrap, topic);
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
                Set<String> topics = admin.listTopics().names().get(30, TimeUnit.SECONDS);
                assertTrue(topics.contains(topic), "the broker answers an admin call: " + topics);
            }
            S3Credentials local = S3Credentials.local();
            try (S3Client client = S3Clients.create(
                    new S3Endpoint(URI.create(s3), local.accessKey(), local.secretKey(), local.region()))) {
                client.putObject(b -> b.bucket(BUCKET).key("hello.txt"), RequestBody.fromString("hello"));
                List<String> keys = client.listObjectsV2(b -> b.bucket(BUCKET)).contents().stream()
                        .map(S3Object::key)
                        .toList();
                assertEquals(List.of("hello.txt"), keys, "the S3 server answers a listing of the created bucket");
            }
            assertTrue(launcher.isAlive(), "--hold keeps it running");

            launcher.destroy(); // SIGTERM, what Ctrl-C's SIGINT also leads to: the JVM's shutdown hooks
            assertTrue(launcher.waitFor(60, TimeUnit.SECONDS), "stack --hold exits on SIGTERM; stderr:\n" + read(err));
            Await.until(
                    Duration.ofSeconds(30),
                    100,
                    "the stack's child JVMs to exit " + children,
                    () -> children.stream().noneMatch(ProcessHandle::isAlive));
            assertFalse(Listening.hostPort(bootstrap), "nothing listens on the broker's port any more");
            assertFalse(Listening.url(s3), "nothing listens on the S3 server's port any more");
        } finally {
            if (launcher.isAlive()) {
                launcher.descendants().forEach(ProcessHandle::destroyForcibly);
                launcher.destroyForcibly().waitFor();
            }
        }
    }

    /** The documented fields of the endpoint line, and that the services answered while it was printed. */
    private static JsonNode assertEndpointLine(String line) throws Exception {
        JsonNode info = new ObjectMapper().readTree(line);
        String bootstrap = info.path("kafkaBootstrapServers").asText();
        assertTrue(bootstrap.matches("[^:,]+:\\d+"), "one loopback broker, host:port: " + line);
        assertTrue(info.path("s3Endpoint").asText().matches("http://[^/]+:\\d+/?"), line);
        assertEquals(BUCKET, info.path("bucket").asText(), line);
        assertFalse(info.path("kafka").asText().isBlank(), line);
        assertFalse(info.path("s3").asText().isBlank(), line);
        long kafkaMillis = info.path("kafkaStartMillis").asLong();
        long s3Millis = info.path("s3StartMillis").asLong();
        long stackMillis = info.path("stackStartMillis").asLong();
        assertTrue(kafkaMillis > 0 && s3Millis > 0, line);
        assertTrue(
                stackMillis >= Math.max(kafkaMillis, s3Millis),
                "the services start in parallel within the whole: " + line);
        assertFalse(line.contains(S3Credentials.local().secretKey()), "no secret on stdout");
        return info;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
