package dev.streamtrain.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamtrain.events.CheckpointEvent;
import dev.streamtrain.jobs.cli.Streamtrain;
import dev.streamtrain.jobs.config.JobConfig;
import dev.streamtrain.localstack.Await;
import dev.streamtrain.localstack.EmbeddedKafka;
import dev.streamtrain.localstack.LocalStack;
import dev.streamtrain.localstack.LocalStackExtension;
import dev.streamtrain.localstack.TestCertificates;
import dev.streamtrain.sample.synthetic.TeacherStream.EncodedSample;
import dev.streamtrain.store.S3Clients;
import dev.streamtrain.trainer.TrainingReport;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The job and the tools against a broker that requires SASL_SSL (SCRAM-SHA-512 over TLS with a
 * private CA): training, dead letters and events exactly-once; preflight's distinct messages; and no
 * secret in the logs, the job parameters, the events, the manifests, the dead letters or the tools'
 * output. One secured broker for the class (the default stack stays plain and fast).
 */
@ExtendWith(LocalStackExtension.class)
class SecuredKafkaTest {
    private static final String USER = "trainer";
    private static final String PASSWORD = "scram-" + UUID.randomUUID();
    private static TestCertificates tls;
    private static EmbeddedKafka broker;

    @BeforeAll
    static void startSecuredBroker() throws Exception {
        Path work = Paths.get("target", "secured-kafka");
        tls = TestCertificates.create(work);
        broker = EmbeddedKafka.start(
                work, new EmbeddedKafka.SaslSslListener(tls.serverKeyStore(), tls.password(), Map.of(USER, PASSWORD)));
    }

    @AfterAll
    static void stopSecuredBroker() throws Exception {
        if (broker != null) {
            broker.close();
        }
    }

    /** The client properties a user would give: SASL_SSL, SCRAM-SHA-512, the private CA's trust store. */
    private static Map<String, String> clientProperties(String password) {
        return Map.of(
                "security.protocol",
                "SASL_SSL",
                "sasl.mechanism",
                "SCRAM-SHA-512",
                "sasl.jaas.config",
                "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + USER + "\" password=\""
                        + password + "\";",
                "ssl.truststore.type",
                "PKCS12",
                "ssl.truststore.location",
                tls.trustStore().toString(),
                "ssl.truststore.password",
                tls.password());
    }

    private static Map<String, String> prefixed(Map<String, String> client) {
        Map<String, String> out = new HashMap<>();
        client.forEach((k, v) -> out.put("kafka.properties." + k, v));
        return out;
    }

    /** Topics made through the secured broker's plain listener; the job itself only gets the SASL_SSL one. */
    private static TrainingJobFixture securedJob(LocalStack stack, String name, Map<String, String> client)
            throws Exception {
        // counts and weights below are those of a run that trains on every sample: no holdout
        TrainingJobFixture f =
                new TrainingJobFixture(stack, name, broker.bootstrapServers()).set("eval.holdout-fraction", "0");
        f.set("kafka.bootstrap-servers", broker.securedBootstrapServers());
        f.settings.putAll(prefixed(client));
        return f;
    }

    @Test
    void preflightTellsAuthenticationTlsProtocolUnreachableAndTopicApart(LocalStack stack) throws Exception {
        TrainingJobFixture f = securedJob(stack, "secured-preflight", clientProperties(PASSWORD));
        Preflight.checkKafka(f.config()); // all well: no exception

        String wrong = "wrong-" + UUID.randomUUID();
        f.settings.putAll(prefixed(clientProperties(wrong)));
        String auth = preflightMessage(f);
        assertTrue(auth.contains("authentication failed") && auth.contains("sasl.jaas.config"), auth);
        assertFalse(auth.contains(wrong), "the password is never shown: " + auth);

        f.settings.putAll(prefixed(clientProperties(PASSWORD)));
        // without the trust store, the JDK's own CAs do not know the test CA
        List.of("location", "password", "type").forEach(k -> f.settings.remove("kafka.properties.ssl.truststore." + k));
        String handshake = preflightMessage(f);
        assertTrue(handshake.contains("TLS handshake failed") && handshake.contains("ssl.truststore"), handshake);

        // plaintext against the TLS listener: the broker drops each connection, though the port is open
        f.settings.keySet().removeIf(k -> k.startsWith("kafka.properties."));
        f.set("kafka.properties.default.api.timeout.ms", "3000").set("kafka.properties.request.timeout.ms", "2000");
        String protocol = preflightMessage(f);
        assertTrue(
                protocol.contains("did not answer with security.protocol PLAINTEXT")
                        && protocol.contains("kafka.properties.security.protocol"),
                protocol);

        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        f.set("kafka.bootstrap-servers", "127.0.0.1:" + closedPort);
        String unreachable = preflightMessage(f);
        assertTrue(unreachable.contains("is unreachable"), unreachable);

        f.set("kafka.bootstrap-servers", broker.securedBootstrapServers()).set("kafka.samples-topic", f.id + "-nope");
        f.settings.putAll(prefixed(clientProperties(PASSWORD)));
        String missing = preflightMessage(f);
        assertTrue(missing.contains("'" + f.id + "-nope'") && missing.contains("does not exist"), missing);
    }

    @Test
    void theJobTrainsDeadLettersAndPublishesOverSaslSslAndNoSecretLeaks(LocalStack stack) throws Exception {
        TrainingJobFixture f = securedJob(stack, "secured-job", clientProperties(PASSWORD))
                .set("model.batch-size", "32")
                .set("report.every-samples", "32")
                .set("epoch.samples", "64");
        List<String> secrets = List.of(PASSWORD, tls.password(), stack.s3().secretKey());
        try (LogCapture logs = LogCapture.start()) {
            JobConfig config = f.config();
            Preflight.check(config);
            List<EncodedSample> records = new ArrayList<>(f.teacher().build().nextEncoded(128));
            records.add(64, new EncodedSample("not a sample".getBytes(StandardCharsets.UTF_8), 0L));
            StackKafka.produce(broker.bootstrapServers(), f.samplesTopic, records);

            CollectingSink<TrainingReport> reports = new CollectingSink<>(f.id);
            Map<String, String> jobParameters =
                    OnlineTrainingJob.environmentConfig(config).get(PipelineOptions.GLOBAL_JOB_PARAMETERS);
            JobClient job = new OnlineTrainingJob(
                            config,
                            KafkaWiring.samplesSource(config),
                            KafkaWiring.deadLetterSink(config),
                            KafkaWiring.eventSink(config),
                            reports)
                    .executeAsync(StreamExecutionEnvironment.getExecutionEnvironment(
                            OnlineTrainingJob.environmentConfig(config)));
            List<CheckpointEvent> events = new ArrayList<>();
            List<ConsumerRecord<byte[], byte[]>> deadLetters = new ArrayList<>();
            try {
                Await.until(
                        Duration.ofSeconds(90),
                        100,
                        "128 samples trained",
                        () -> reports.values().stream()
                                        .mapToLong(r -> r.samplesTrained)
                                        .max()
                                        .orElse(0)
                                == 128);
                EventTopic topic =
                        new EventTopic(broker.securedBootstrapServers(), f.eventsTopic, clientProperties(PASSWORD));
                Await.until(Duration.ofSeconds(60), 200, "two committed epochs, read over SASL_SSL", () -> {
                    events.clear();
                    try {
                        events.addAll(topic.read(config.runKey(), Duration.ofSeconds(20)));
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                    return events.size() >= 2;
                });
                try (KafkaConsumer<byte[], byte[]> c =
                        StackKafka.readCommitted(broker.bootstrapServers(), f.dlqTopic)) {
                    Await.until(Duration.ofSeconds(60), 0, "the dead letter (read_committed)", () -> {
                        deadLetters.addAll(StackKafka.poll(c));
                        return !deadLetters.isEmpty();
                    });
                }
            } finally {
                job.cancel().get();
            }
            assertEquals(
                    List.of(1L, 2L), events.stream().map(CheckpointEvent::epoch).toList(), "each epoch once");
            assertEquals(1, deadLetters.size(), "the one bad record, once");

            // a tool over SASL_SSL from a client properties file, as Kafka's own tools take it
            Path commandConfig = Files.createTempFile(Paths.get("target"), "client", ".properties");
            StringBuilder file = new StringBuilder();
            clientProperties(PASSWORD)
                    .forEach((k, v) -> file.append(k).append('=').append(v).append('\n'));
            Files.writeString(commandConfig, file);
            Tool listed = tool(
                    "events",
                    "--bootstrap-servers",
                    broker.securedBootstrapServers(),
                    "--topic",
                    f.eventsTopic,
                    "--command-config",
                    commandConfig.toString(),
                    "--key",
                    config.runKey().toString());
            assertEquals(0, listed.exit, listed.err);
            assertEquals(2, listed.out.trim().split("\n").length, listed.out);
            Tool refused = tool(
                    "events",
                    "--bootstrap-servers",
                    broker.securedBootstrapServers(),
                    "--kafka-property",
                    "isolation.level=read_uncommitted");
            assertEquals(2, refused.exit);
            assertTrue(refused.err.contains("isolation.level is set by streamtrain itself"), refused.err);

            List<String> manifests = manifests(stack, "tests/" + f.id + "/");
            assertEquals(2, manifests.size(), "one manifest per epoch");
            assertEquals(JobConfig.MASKED, jobParameters.get("kafka.properties.sasl.jaas.config"));
            assertEquals("SASL_SSL", jobParameters.get("kafka.properties.security.protocol"));
            assertTrue(
                    logs.text().contains("sasl.jaas.config = [hidden]"),
                    "the capture saw the Kafka clients' configuration dumps, so it would see a leak");
            Map<String, String> places = new LinkedHashMap<>();
            places.put("job parameters", jobParameters.toString());
            places.put(
                    "events",
                    events.stream()
                            .map(e -> new String(e.toJson(), StandardCharsets.UTF_8))
                            .toList()
                            .toString());
            places.put("manifests", manifests.toString());
            places.put(
                    "dead letters",
                    deadLetters.stream()
                            .map(SecuredKafkaTest::describe)
                            .toList()
                            .toString());
            places.put("tool output", listed.out + listed.err + refused.out + refused.err);
            places.put("logs", logs.text());
            places.forEach(
                    (where, text) -> secrets.forEach(s -> assertFalse(text.contains(s), "a secret in the " + where)));
        }
    }

    private static String preflightMessage(TrainingJobFixture f) {
        return assertThrows(Preflight.PreflightException.class, () -> Preflight.checkKafka(f.config()))
                .getMessage();
    }

    private static String describe(ConsumerRecord<byte[], byte[]> r) {
        StringBuilder b = new StringBuilder(new String(r.value(), StandardCharsets.UTF_8));
        for (Header h : r.headers()) {
            b.append(' ').append(h.key()).append('=').append(new String(h.value(), StandardCharsets.UTF_8));
        }
        return b.toString();
    }

    private static List<String> manifests(LocalStack stack, String prefix) {
        try (S3Client s3 = S3Clients.create(stack.s3())) {
            List<String> out = new ArrayList<>();
            for (S3Object o : s3.listObjectsV2Paginator(
                            r -> r.bucket(stack.bucket()).prefix(prefix))
                    .contents()) {
                if (o.key().endsWith("manifest.json")) {
                    out.add(s3.getObjectAsBytes(r -> r.bucket(stack.bucket()).key(o.key()))
                            .asUtf8String());
                }
            }
            return out;
        }
    }

    private record Tool(int exit, String out, String err) {}

    /** Runs a tool in this JVM; System.out/err are swapped too, for the tools that print there directly. */
    private static synchronized Tool tool(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
        PrintStream systemOut = System.out;
        PrintStream systemErr = System.err;
        System.setOut(o);
        System.setErr(e);
        int exit;
        try {
            exit = Streamtrain.execute(o, e, args);
        } finally {
            System.setOut(systemOut);
            System.setErr(systemErr);
        }
        return new Tool(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
