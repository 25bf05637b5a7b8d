package dev.streamtrain.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.streamtrain.events.CheckpointEvent;
import dev.streamtrain.jobs.EventTopic;
import dev.streamtrain.jobs.KafkaClients;
import dev.streamtrain.jobs.config.JobConfig;
import dev.streamtrain.localstack.Await;
import dev.streamtrain.localstack.EmbeddedKafka;
import dev.streamtrain.localstack.LocalStack;
import dev.streamtrain.localstack.LocalStackExtension;
import dev.streamtrain.localstack.TestCertificates;
import dev.streamtrain.sample.SampleFormat;
import dev.streamtrain.sample.synthetic.TeacherStream;
import dev.streamtrain.store.ArtifactLayout;
import dev.streamtrain.store.ArtifactWriter;
import dev.streamtrain.store.EpochArtifact;
import dev.streamtrain.store.FlinkS3;
import dev.streamtrain.store.Manifest;
import dev.streamtrain.store.S3Clients;
import dev.streamtrain.trainer.DjlTrainer;
import dev.streamtrain.trainer.ModelSpec;
import dev.streamtrain.trainer.TrainerState;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The command-line tools that read or write Kafka ({@code produce}, {@code events}, {@code plot},
 * {@code rollback}, {@code serve}) run through picocli in this JVM against a broker that requires
 * SASL_SSL (SCRAM-SHA-512, a private CA), configured the way a user does it: a client properties file
 * given with {@code --command-config}. Each works; a wrong password is a clear "authentication failed"
 * and exit 2 at once, not a timeout; and neither the password nor the jaas config nor the trust store
 * password is ever in their stdout or stderr. One secured broker for the class.
 */
@ExtendWith(LocalStackExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SecuredCliToolsTest {
    private static final String USER = "tools";
    private static final String PASSWORD = "scram-" + UUID.randomUUID();
    private static final String WRONG = "wrong-" + UUID.randomUUID();
    private static final String JOB = "22222222222222222222222222222222";
    /** A refusal must come at once: Kafka's clients would retry an unreachable broker for a minute. */
    private static final Duration PROMPT = Duration.ofSeconds(20);

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String run = "sec-" + UUID.randomUUID().toString().substring(0, 8);
    private final String key = "secured/" + run + "/m";
    private final String eventsTopic = run + "-events";
    private LocalStack stack;
    private TestCertificates tls;
    private EmbeddedKafka broker;
    private Path commandConfig;
    private Path wrongConfig;
    private List<String> secrets;
    private final List<CheckpointEvent> published = new ArrayList<>();

    @BeforeAll
    void securedBrokerWithTwoCommittedEpochs(LocalStack stack) throws Exception {
        this.stack = stack;
        Path work = Paths.get("target", "secured-cli");
        tls = TestCertificates.create(work);
        broker = EmbeddedKafka.start(
                work, new EmbeddedKafka.SaslSslListener(tls.serverKeyStore(), tls.password(), Map.of(USER, PASSWORD)));
        commandConfig = clientPropertiesFile(work, PASSWORD);
        wrongConfig = clientPropertiesFile(work, WRONG);
        secrets = List.of(PASSWORD, WRONG, jaas(PASSWORD), jaas(WRONG), tls.password());

        // topics through the broker's plain listener; every tool below gets only the SASL_SSL one
        KafkaClients.createTopics(broker.bootstrapServers(), eventsTopic);
        FlinkS3.initializeInThisJvm(FlinkS3.apply(new Configuration(), stack.s3()));
        ModelSpec spec = ModelSpec.builder()
                .kind(ModelSpec.Kind.MLP)
                .inputDim(4)
                .hiddenSizes(8)
                .outputDim(1)
                .batchSize(4)
                .build();
        TrainerState state;
        try (DjlTrainer trainer = DjlTrainer.create(spec)) {
            state = trainer.snapshot();
        }
        ArtifactWriter writer = new ArtifactWriter(new ArtifactLayout(stack.bucket(), "secured", run, "m"));
        EventTopic events = new EventTopic(broker.securedBootstrapServers(), eventsTopic, clientProperties(PASSWORD));
        try (S3Client s3 = S3Clients.create(stack.s3())) {
            for (long epoch = 1; epoch <= 2; epoch++) {
                CheckpointEvent e = CheckpointEvent.epochCommitted(writer.write(new EpochArtifact(
                                spec, state, epoch, 100, Map.of(), null, new Manifest.Metrics(1.0 / epoch, 500), JOB)))
                        .samplesTotal(100 * epoch)
                        .checkpoint(epoch * 2, "s3://" + stack.bucket() + "/" + run + "-cp")
                        .build();
                events.publish(e, Duration.ofSeconds(30)); // over SASL_SSL too
                String checkpoint = e.checkpointPath().substring(("s3://" + stack.bucket() + "/").length());
                s3.putObject(
                        b -> b.bucket(stack.bucket()).key(checkpoint + "/_metadata"), RequestBody.fromString("{}"));
                published.add(e);
            }
        }
    }

    @AfterAll
    void stopSecuredBroker() throws Exception {
        if (broker != null) {
            broker.close();
        }
    }

    private static String jaas(String password) {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + USER + "\" password=\""
                + password + "\";";
    }

    private Map<String, String> clientProperties(String password) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("security.protocol", "SASL_SSL");
        p.put("sasl.mechanism", "SCRAM-SHA-512");
        p.put("sasl.jaas.config", jaas(password));
        p.put("ssl.truststore.type", "PKCS12");
        p.put("ssl.truststore.location", tls.trustStore().toAbsolutePath().toString());
        p.put("ssl.truststore.password", tls.password());
        return p;
    }

    /** The client properties file a user hands the tools, as Kafka's own tools take it. */
    private Path clientPropertiesFile(Path work, String password) throws IOException {
        StringBuilder file = new StringBuilder();
        clientProperties(password)
                .forEach((k, v) -> file.append(k)
                        .append('=')
                        .append(v.replace("\\", "\\\\"))
                        .append('\n'));
        return Files.writeString(Files.createTempFile(work, "client", ".properties"), file);
    }

    private List<String> kafka(Path config) {
        return List.of("--bootstrap-servers", broker.securedBootstrapServers(), "--command-config", config.toString());
    }

    private List<String> s3() {
        return List.of(
                "--s3-endpoint",
                stack.s3().endpoint().toString(),
                "--access-key",
                stack.s3().accessKey(),
                "--secret-key",
                stack.s3().secretKey());
    }

    @Test
    void produceWritesRecordsThatAreReadBackOverSaslSsl() throws Exception {
        String samples = run + "-samples";
        KafkaClients.createTopics(broker.bootstrapServers(), samples);
        Tool produced = tool(
                "produce",
                kafka(commandConfig),
                "--topic",
                samples,
                "--samples",
                "500",
                "--format",
                "BINARY",
                "--feature-dim",
                "4",
                "--seed",
                "3");
        assertEquals(0, produced.exit, produced.err);
        assertEquals(500, json(produced.out).path("samples").asInt(), produced.out);

        List<byte[]> expected = TeacherStream.builder()
                .format(SampleFormat.BINARY)
                .featureDim(4)
                .regression(1)
                .seed(3)
                .build()
                .nextEncoded(500)
                .stream()
                .map(TeacherStream.EncodedSample::value)
                .toList();
        List<byte[]> got = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer =
                KafkaClients.readCommittedConsumer(broker.securedBootstrapServers(), clientProperties(PASSWORD))) {
            consumer.subscribe(List.of(samples));
            Await.until(Duration.ofSeconds(30), 0, "500 records read back over SASL_SSL", () -> {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> got.add(r.value()));
                return got.size() >= 500;
            });
        }
        assertEquals(500, got.size());
        for (int i = 0; i < got.size(); i++) {
            assertTrue(Arrays.equals(expected.get(i), got.get(i)), "record " + i + " is the seeded stream's");
        }
    }

    @Test
    void eventsListsTheCommittedEpochs() {
        Tool listed = tool("events", kafka(commandConfig), "--topic", eventsTopic, "--key", key);
        assertEquals(0, listed.exit, listed.err);
        List<String> lines = listed.out.lines().toList();
        assertEquals(
                List.of(1L, 2L),
                lines.stream().map(l -> json(l).path("epoch").asLong()).toList(),
                listed.out);
    }

    @Test
    void plotDrawsTheRun() throws Exception {
        Path png = Files.createTempFile(Paths.get("target"), "secured-plot", ".png");
        Tool plotted =
                tool("plot", kafka(commandConfig), "--topic", eventsTopic, "--key", key, "--out", png.toString());
        assertEquals(0, plotted.exit, plotted.err);
        assertEquals(2, json(plotted.out).path("epochs").asInt(), plotted.out);
        byte[] header = Arrays.copyOf(Files.readAllBytes(png), 4);
        assertTrue(Arrays.equals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, header), "a PNG was written");
    }

    @Test
    void rollbackListsRestorePointsAndItsDryRunFillsTheMaskedJaasConfigWithoutShowingIt() throws Exception {
        Tool listed = tool("rollback", kafka(commandConfig), s3(), "--topic", eventsTopic, "--key", key);
        assertEquals(0, listed.exit, listed.err);
        List<JsonNode> rows = listed.out.lines().map(SecuredCliToolsTest::json).toList();
        assertEquals(
                List.of(1L, 2L),
                rows.stream().map(r -> r.path("epoch").asLong()).toList(),
                listed.out);
        assertTrue(rows.stream().allMatch(r -> r.path("status").asText().equals("restorable")), listed.out);

        // Flink's REST API, as a running job reports its parameters: the secret masked, the rest as given
        Map<String, String> reported = new LinkedHashMap<>();
        clientProperties(PASSWORD).forEach((k, v) -> reported.put("kafka.properties." + k, v));
        reported.put("kafka.properties.sasl.jaas.config", JobConfig.MASKED);
        reported.put("kafka.properties.ssl.truststore.password", JobConfig.MASKED);
        reported.put("kafka.bootstrap-servers", broker.securedBootstrapServers());
        HttpServer flink = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        flink.createContext("/", exchange -> {
            String path =
                    exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath();
            if (path.equals("GET /jobs/overview")) {
                answer(
                        exchange,
                        200,
                        "{\"jobs\":[{\"jid\":\"" + JOB + "\",\"name\":\"streamtrain " + key
                                + "\",\"state\":\"RUNNING\"}]}");
            } else if (path.equals("GET /jobs/" + JOB + "/config")) {
                answer(
                        exchange,
                        200,
                        "{\"execution-config\":{\"user-config\":" + JSON.writeValueAsString(reported) + "}}");
            } else {
                answer(exchange, 404, "{\"errors\":[\"Not found\"]}");
            }
        });
        flink.start();
        try {
            Path jar = Files.write(Files.createTempFile(Paths.get("target"), "job", ".jar"), new byte[] {'P', 'K'});
            Tool planned = tool(
                    "rollback",
                    kafka(commandConfig),
                    s3(),
                    "--topic",
                    eventsTopic,
                    "--key",
                    key,
                    "--to-epoch",
                    "1",
                    "--dry-run",
                    "--rest-url",
                    "http://127.0.0.1:" + flink.getAddress().getPort(),
                    "--jar",
                    jar.toString(),
                    "--savepoint-dir",
                    "s3://" + stack.bucket() + "/sp");
            assertEquals(0, planned.exit, planned.err);
            JsonNode plan = json(planned.out);
            assertEquals(1, plan.path("rollBackTo").asLong(), planned.out);
            assertEquals("checkpoint", plan.path("kind").asText(), planned.out);
            assertTrue(
                    planned.out.contains("kafka.properties.sasl.jaas.config")
                            && planned.out.contains("kafka.properties.security.protocol"),
                    "the restarted job keeps its client properties: " + planned.out);
            assertTrue(planned.err.contains("dry run, nothing changed"), planned.err);
        } finally {
            flink.stop(0);
        }
    }

    @Test
    void serveLoadsTheNewestEpochFromEventsReadOverSaslSsl() throws Exception {
        Streams streams = new Streams();
        CompletableFuture<Integer> exit = new CompletableFuture<>();
        Thread server = new Thread(
                () -> exit.complete(Streamtrain.execute(
                        streams.out,
                        streams.err,
                        args("serve", kafka(commandConfig), s3(), "--topic", eventsTopic, "--key", key, "--port", "0")
                                .toArray(String[]::new))),
                "secured-serve");
        server.start();
        try {
            Await.until(
                    Duration.ofSeconds(30),
                    50,
                    "serve prints its URL",
                    () -> streams.out().contains("url") || exit.isDone());
            assertFalse(exit.isDone(), "serve exited: " + streams.err());
            String url = json(streams.out().lines().findFirst().orElseThrow())
                    .path("url")
                    .asText();
            HttpClient http = HttpClient.newHttpClient();
            Await.until(Duration.ofSeconds(30), 100, "serve is ready", () -> {
                try {
                    return http.send(
                                            HttpRequest.newBuilder(URI.create(url + "/ready"))
                                                    .build(),
                                            HttpResponse.BodyHandlers.ofString())
                                    .statusCode()
                            == 200;
                } catch (IOException e) {
                    return false;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError("interrupted", e);
                }
            });
            HttpResponse<String> model = http.send(
                    HttpRequest.newBuilder(URI.create(url + "/model")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(2, json(model.body()).path("epoch").asLong(), model.body());
        } finally {
            server.interrupt(); // serve waits for Ctrl-C; an interrupt ends its wait and closes the server
            exit.get(30, TimeUnit.SECONDS);
        }
        assertNoSecret(streams.out() + streams.err());
    }

    @Test
    void aWrongPasswordIsAClearAuthenticationFailureAtOnceInEveryTool() throws Exception {
        Map<String, List<String>> runs = new LinkedHashMap<>();
        runs.put("produce", args("produce", kafka(wrongConfig), "--topic", eventsTopic, "--samples", "10"));
        runs.put("events", args("events", kafka(wrongConfig), "--topic", eventsTopic));
        runs.put(
                "plot",
                args("plot", kafka(wrongConfig), "--topic", eventsTopic, "--key", key, "--out", "target/never.png"));
        runs.put("rollback", args("rollback", kafka(wrongConfig), s3(), "--topic", eventsTopic, "--key", key));
        runs.put("serve", args("serve", kafka(wrongConfig), s3(), "--topic", eventsTopic, "--key", key, "--port", "0"));
        for (Map.Entry<String, List<String>> r : runs.entrySet()) {
            long t0 = System.nanoTime();
            Tool refused = CompletableFuture.supplyAsync(() -> tool(r.getValue().toArray(String[]::new)))
                    .get(PROMPT.toSeconds(), TimeUnit.SECONDS);
            long millis = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(2, refused.exit, r.getKey() + ": " + refused.err);
            assertTrue(
                    refused.err.contains("streamtrain " + r.getKey() + ": ")
                            && refused.err.contains("authentication failed")
                            && refused.err.contains("sasl.jaas.config"),
                    r.getKey() + " says what failed and what to check: " + refused.err);
            assertFalse(refused.err.contains("Exception\n\tat "), r.getKey() + ": no stack trace: " + refused.err);
            assertEquals("", refused.out, r.getKey() + ": nothing on stdout");
            assertTrue(millis < PROMPT.toMillis(), r.getKey() + " took " + millis + " ms");
        }
    }

    // ------------------------------------------------------------------ running a tool

    private record Tool(int exit, String out, String err) {}

    /** Both streams of a run, read while it runs. */
    private static final class Streams {
        final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
        final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
        final PrintStream out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
        final PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);

        synchronized String out() {
            return outBytes.toString(StandardCharsets.UTF_8);
        }

        synchronized String err() {
            return errBytes.toString(StandardCharsets.UTF_8);
        }
    }

    /** The arguments, flattening lists (the shared --bootstrap-servers/--command-config and S3 flags). */
    private static List<String> args(Object... parts) {
        List<String> out = new ArrayList<>();
        for (Object p : parts) {
            if (p instanceof List<?> list) {
                list.forEach(x -> out.add((String) x));
            } else {
                out.add((String) p);
            }
        }
        return out;
    }

    private Tool tool(Object... parts) {
        return tool(args(parts).toArray(String[]::new));
    }

    /**
     * Runs a tool in this JVM through picocli; System.out/err are swapped too, so that whatever prints
     * there directly (a stack trace, a library) is in the scan. Every output is checked for secrets.
     */
    private Tool tool(String... args) {
        Streams streams = new Streams();
        int exit;
        synchronized (SecuredCliToolsTest.class) {
            PrintStream systemOut = System.out;
            PrintStream systemErr = System.err;
            System.setOut(streams.out);
            System.setErr(streams.err);
            try {
                exit = Streamtrain.execute(streams.out, streams.err, args);
            } finally {
                System.setOut(systemOut);
                System.setErr(systemErr);
            }
        }
        Tool tool = new Tool(exit, streams.out(), streams.err());
        assertNoSecret(tool.out + tool.err);
        return tool;
    }

    private void assertNoSecret(String output) {
        for (String s : secrets) {
            assertFalse(output.contains(s), "a secret in a tool's output: " + output.replace(s, "<THE SECRET>"));
        }
    }

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text.trim());
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + text, e);
        }
    }

    private static void answer(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }
}
