package dev.streamtrain.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.streamtrain.events.CheckpointEvent;
import dev.streamtrain.events.CheckpointEventFixtures;
import dev.streamtrain.jobs.EventTopic;
import dev.streamtrain.jobs.KafkaClients;
import dev.streamtrain.localstack.LocalStack;
import dev.streamtrain.localstack.LocalStackExtension;
import dev.streamtrain.store.RunKey;
import dev.streamtrain.store.S3Clients;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * {@code rollback --to-epoch} as a user meets its failures, on the real local Kafka and S3: an
 * unreachable REST API and a savepoint that fails end with exit 2, a message that says what to do,
 * and nothing changed (no event, no {@code latest}, no job submitted).
 */
@ExtendWith(LocalStackExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RollbackCommandTest {
    private static final String JOB = "11111111111111111111111111111111";
    private final String run = "rb-" + UUID.randomUUID().toString().substring(0, 8);
    private final String topic = run + "-events";
    private final String key = "rbtest/" + run + "/m";
    private LocalStack stack;
    private Path jar;

    private record Cli(int code, String out, String err) {}

    @BeforeAll
    void twoEpochsWithTheirRestorePoints(LocalStack stack, @TempDir Path dir) throws Exception {
        this.stack = stack;
        jar = Files.write(dir.resolve("job.jar"), new byte[] {'P', 'K'});
        KafkaClients.createTopics(stack.bootstrapServers(), topic);
        EventTopic events = new EventTopic(stack.bootstrapServers(), topic);
        try (S3Client s3 = S3Clients.create(stack.s3())) {
            for (long epoch = 1; epoch <= 2; epoch++) {
                CheckpointEvent e = committed(epoch);
                events.publish(e, Duration.ofSeconds(30));
                put(s3, e.checkpointPath() + "/_metadata");
                put(s3, e.manifestUri());
            }
        }
    }

    @Test
    void anUnreachableRestApiIsExit2WithAClearMessageAndChangesNothing() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        Cli cli = rollback("http://127.0.0.1:" + closedPort);
        assertEquals(2, cli.code(), cli.err());
        assertEquals(
                "streamtrain rollback: Flink's REST API at http://127.0.0.1:" + closedPort
                        + " is unreachable: is the cluster up? (--rest-url)",
                cli.err().strip());
        assertNothingChanged();
    }

    @Test
    void aFailedSavepointIsExit2LeavesTheJobAndNamesTheWayOut() throws Exception {
        List<String> calls = Collections.synchronizedList(new ArrayList<>());
        HttpServer flink = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        flink.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            calls.add(exchange.getRequestMethod() + " " + path);
            switch (exchange.getRequestMethod() + " " + path) {
                case "GET /jobs/overview" ->
                    answer(
                            exchange,
                            200,
                            "{\"jobs\":[{\"jid\":\"" + JOB + "\",\"name\":\"streamtrain " + key
                                    + "\",\"state\":\"RUNNING\"}]}");
                case "GET /jobs/" + JOB + "/config" ->
                    answer(exchange, 200, "{\"execution-config\":{\"user-config\":{\"kafka.topic\":\"samples\"}}}");
                case "GET /jobmanager/config" ->
                    answer(
                            exchange,
                            200,
                            "[{\"key\":\"execution.checkpointing.savepoint-dir\",\"value\":\"s3://b/sp\"}]");
                case "POST /jobs/" + JOB + "/savepoints" -> answer(exchange, 202, "{\"request-id\":\"t1\"}");
                case "GET /jobs/" + JOB + "/savepoints/t1" ->
                    answer(
                            exchange,
                            200,
                            "{\"status\":{\"id\":\"COMPLETED\"},"
                                    + "\"operation\":{\"failure-cause\":{\"stack-trace\":\"CheckpointException: Task is not running\"}}}");
                default -> answer(exchange, 404, "{\"errors\":[\"Not found\"]}");
            }
        });
        flink.start();
        try {
            Cli cli = rollback("http://127.0.0.1:" + flink.getAddress().getPort());
            assertEquals(2, cli.code(), cli.err());
            assertTrue(
                    cli.err()
                            .contains("the savepoint of job " + JOB
                                    + " failed: CheckpointException: Task is not running. "
                                    + "Nothing changed. If the job cannot take a savepoint because it keeps failing, cancel it (./streamtrain "
                                    + "flink cancel " + JOB),
                    cli.err());
            assertTrue(
                    calls.stream().noneMatch(c -> c.startsWith("POST /jars") || c.startsWith("PATCH")),
                    "no job submitted or cancelled: " + calls);
            assertTrue(calls.contains("POST /jobs/" + JOB + "/savepoints"), calls.toString());
        } finally {
            flink.stop(0);
        }
        assertNothingChanged();
    }

    private void assertNothingChanged() throws IOException {
        List<CheckpointEvent> events =
                new EventTopic(stack.bootstrapServers(), topic).read(RunKey.parse(key), Duration.ofSeconds(30));
        assertEquals(
                List.of(CheckpointEvent.EPOCH_COMMITTED, CheckpointEvent.EPOCH_COMMITTED),
                events.stream().map(CheckpointEvent::type).toList(),
                "no rolled-back event");
        try (S3Client s3 = S3Clients.create(stack.s3())) {
            assertFalse(
                    s3.listObjectsV2(b -> b.bucket(stack.bucket()).prefix("rbtest/" + run + "/m/latest"))
                            .hasContents(),
                    "latest not written");
        }
    }

    private Cli rollback(String restUrl) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Streamtrain.execute(
                new PrintStream(out, true),
                new PrintStream(err, true),
                "rollback",
                "--bootstrap-servers",
                stack.bootstrapServers(),
                "--topic",
                topic,
                "--key",
                key,
                "--to-epoch",
                "1",
                "--rest-url",
                restUrl,
                "--jar",
                jar.toString(),
                "--timeout",
                "PT20S",
                "--s3-endpoint",
                stack.s3().endpoint().toString(),
                "--access-key",
                stack.s3().accessKey(),
                "--secret-key",
                stack.s3().secretKey());
        return new Cli(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private CheckpointEvent committed(long epoch) {
        return CheckpointEventFixtures.committed(RunKey.parse(key), "s3://" + stack.bucket() + "/" + key, epoch)
                .job(JOB, 1)
                .checkpoint(epoch * 2, "s3://" + stack.bucket() + "/" + run + "-cp")
                .build();
    }

    private static void put(S3Client s3, String s3Uri) {
        String rest = s3Uri.substring("s3://".length());
        int slash = rest.indexOf('/');
        s3.putObject(
                b -> b.bucket(rest.substring(0, slash)).key(rest.substring(slash + 1)), RequestBody.fromString("{}"));
    }

    private static void answer(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }
}
