package dev.streamtrain.localstack;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/**
 * A real Kafka broker in KRaft combined mode (broker + controller), started in a child JVM from the
 * {@code kafka_2.13} jar on this JVM's classpath.
 *
 * <p>Why a child JVM rather than in-process: the broker's own dependencies and logging stay out of
 * the Flink job's JVM, a test can {@code kill -9} it like a real crash, and {@link ChildMain}'s
 * watchdog guarantees that it never outlives its parent.
 */
public final class EmbeddedKafka implements KafkaService {
    private static final String CLASSPATH_HINT =
            "the Kafka broker (org.apache.kafka:kafka_2.13) is not on the classpath; "
                    + "run through ./streamtrain or Maven, which put it there";

    /** A group that never commits: only its coordinator lookup matters. */
    private static final String READINESS_GROUP = "streamtrain-stack-readiness";

    private final RestartableChild broker;
    private final String bootstrap;
    private final String securedBootstrap;
    private final Path dir;

    private EmbeddedKafka(RestartableChild broker, String bootstrap, String securedBootstrap, Path dir) {
        this.broker = broker;
        this.bootstrap = bootstrap;
        this.securedBootstrap = securedBootstrap;
        this.dir = dir;
    }

    /**
     * A SASL_SSL listener beside the plaintext one, for tests of secured clients: TLS with the
     * broker's key and certificate from {@code keystore} (PKCS12, key password = store password) and
     * SCRAM-SHA-512 users created when the log directory is formatted.
     *
     * @param scramUsers user name → password
     */
    public record SaslSslListener(Path keystore, String keystorePassword, Map<String, String> scramUsers) {
        public SaslSslListener {
            scramUsers = Map.copyOf(scramUsers);
        }
    }

    /** Formats a fresh log directory under {@code workDir} and starts the broker; returns when it answers. */
    public static EmbeddedKafka start(Path workDir) throws IOException, InterruptedException {
        return start(workDir, null);
    }

    /**
     * As {@link #start(Path)}, with a SASL_SSL listener too ({@link #securedBootstrapServers()}) when
     * {@code secured} is not null. The plaintext listener stays, for setting up topics and reading back.
     */
    public static EmbeddedKafka start(Path workDir, SaslSslListener secured) throws IOException, InterruptedException {
        try {
            Class.forName("kafka.Kafka", false, EmbeddedKafka.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(CLASSPATH_HINT, e);
        }
        int port = Ports.freeLoopbackPort();
        int controllerPort = Ports.freeLoopbackPort();
        int securedPort = secured == null ? -1 : Ports.freeLoopbackPort();
        Path dir = Files.createTempDirectory(Files.createDirectories(workDir), "kafka-");
        Path config = writeConfig(dir, port, controllerPort, securedPort, secured);
        String classpath = System.getProperty("java.class.path");
        List<String> jvm = List.of(
                "-Xms128m",
                "-Xmx512m",
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                "-Dlog4j2.configurationFile=" + writeLog4j(dir).toUri());

        String clusterId = UUID.randomUUID().toString().replace("-", "").substring(0, 22);
        List<String> formatArgs = new ArrayList<>(List.of("format", "-t", clusterId, "-c", config.toString()));
        if (secured != null) {
            // SCRAM credentials live in the metadata log: in KRaft they are created at format time
            secured.scramUsers()
                    .forEach((user, password) -> formatArgs.addAll(
                            List.of("--add-scram", "SCRAM-SHA-512=[name=" + user + ",password=" + password + "]")));
        }
        try (ChildJvm format = ChildJvm.start(
                "kafka-storage-format",
                classpath,
                jvm,
                "kafka.tools.StorageTool",
                formatArgs,
                dir.resolve("format.log"))) {
            int rc = format.waitFor(TimeUnit.SECONDS.toMillis(60));
            if (rc != 0) {
                throw new IllegalStateException(
                        "formatting the Kafka log dir failed (exit " + rc + "):\n" + format.logTail(20));
            }
        }

        String bootstrap = "127.0.0.1:" + port;
        // a restart (after kill) runs the same command line: same ports, same log directory
        RestartableChild broker = RestartableChild.start(
                () -> ChildJvm.start(
                        "kafka-broker",
                        classpath,
                        jvm,
                        "kafka.Kafka",
                        List.of(config.toString()),
                        dir.resolve("broker.log")),
                process -> awaitAnswer(process, bootstrap));
        return new EmbeddedKafka(broker, bootstrap, secured == null ? null : "127.0.0.1:" + securedPort, dir);
    }

    private static void awaitAnswer(ChildJvm broker, String bootstrap) {
        try {
            Await.until(Duration.ofSeconds(60), 200, "the Kafka broker at " + bootstrap + " to answer", () -> {
                if (!broker.isAlive()) {
                    throw new IllegalStateException("Kafka broker exited:\n" + broker.logTail(30));
                }
                return answers(bootstrap);
            });
        } catch (RuntimeException e) {
            try {
                broker.close();
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException(
                    "Kafka broker did not start; log " + broker.log() + "\n" + broker.logTail(30), e);
        }
    }

    private static boolean answers(String bootstrap) {
        try (Admin admin = Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3000))) {
            if (admin.describeCluster().nodes().get(3, TimeUnit.SECONDS).isEmpty()) {
                return false;
            }
            // Looking up a group's coordinator makes a fresh broker create __consumer_offsets. Without
            // this, the first consumer to commit (the Flink Kafka source at its first checkpoint) gets
            // CoordinatorNotAvailableException and Flink logs its stack trace; a real cluster has the topic.
            admin.listConsumerGroupOffsets(READINESS_GROUP)
                    .partitionsToOffsetAndMetadata()
                    .get(3, TimeUnit.SECONDS);
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    private static Path writeConfig(Path dir, int port, int controllerPort, int securedPort, SaslSslListener secured)
            throws IOException {
        Properties p = new Properties();
        p.setProperty("process.roles", "broker,controller");
        p.setProperty("node.id", "1");
        p.setProperty("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        String securedListener = secured == null ? "" : ",SASL_SSL://127.0.0.1:" + securedPort;
        p.setProperty(
                "listeners",
                "PLAINTEXT://127.0.0.1:" + port + securedListener + ",CONTROLLER://127.0.0.1:" + controllerPort);
        p.setProperty("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port + securedListener);
        p.setProperty("controller.listener.names", "CONTROLLER");
        p.setProperty("inter.broker.listener.name", "PLAINTEXT");
        p.setProperty(
                "listener.security.protocol.map",
                "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT" + (secured == null ? "" : ",SASL_SSL:SASL_SSL"));
        if (secured != null) {
            p.setProperty("sasl.enabled.mechanisms", "SCRAM-SHA-512");
            p.setProperty(
                    "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config",
                    "org.apache.kafka.common.security.scram.ScramLoginModule required;");
            p.setProperty("listener.name.sasl_ssl.ssl.keystore.type", "PKCS12");
            p.setProperty(
                    "listener.name.sasl_ssl.ssl.keystore.location",
                    secured.keystore().toAbsolutePath().toString());
            p.setProperty("listener.name.sasl_ssl.ssl.keystore.password", secured.keystorePassword());
            p.setProperty("listener.name.sasl_ssl.ssl.key.password", secured.keystorePassword());
        }
        p.setProperty("log.dirs", dir.resolve("data").toString());
        // One broker: internal topics and transactions must not wait for replicas that never come.
        p.setProperty("offsets.topic.replication.factor", "1");
        p.setProperty("offsets.topic.num.partitions", "3");
        p.setProperty("transaction.state.log.replication.factor", "1");
        p.setProperty("transaction.state.log.min.isr", "1");
        p.setProperty("transaction.state.log.num.partitions", "3");
        p.setProperty("group.initial.rebalance.delay.ms", "0");
        p.setProperty("num.partitions", "1");
        p.setProperty("auto.create.topics.enable", "true");
        // KafkaSink EXACTLY_ONCE transactions must fit below this (the Flink default is 1 h).
        p.setProperty("transaction.max.timeout.ms", String.valueOf(TimeUnit.MINUTES.toMillis(15)));
        // Never delete by age: synthetic samples carry old event times as record timestamps, and the
        // default 7-day retention would silently delete them 30 s after start (seen in the bench).
        p.setProperty("log.retention.ms", "-1");
        p.setProperty("log.flush.interval.messages", "1000000");
        p.setProperty("num.network.threads", "2");
        p.setProperty("num.io.threads", "2");
        p.setProperty("background.threads", "2");
        Path file = dir.resolve("server.properties");
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            p.store(w, "streamtrain embedded broker");
        }
        return file;
    }

    private static Path writeLog4j(Path dir) throws IOException {
        Path file = dir.resolve("log4j2.properties");
        Files.writeString(
                file,
                String.join(
                        "\n",
                        "rootLogger.level = WARN",
                        "rootLogger.appenderRef.out.ref = out",
                        "appender.out.type = Console",
                        "appender.out.name = out",
                        "appender.out.layout.type = PatternLayout",
                        "appender.out.layout.pattern = %d{HH:mm:ss.SSS} %-5p %c{1} - %m%n",
                        "logger.server.name = kafka.server.KafkaRaftServer",
                        "logger.server.level = INFO",
                        ""));
        return file;
    }

    @Override
    public String bootstrapServers() {
        return bootstrap;
    }

    /** The SASL_SSL listener's address, or null when the broker was started without one. */
    public String securedBootstrapServers() {
        return securedBootstrap;
    }

    @Override
    public String description() {
        return "embedded KRaft broker (child JVM pid " + broker.pid() + ", data " + dir + ")";
    }

    @Override
    public boolean restartable() {
        return true;
    }

    /** Kills the broker without a clean shutdown, as a crash would. */
    @Override
    public void kill() throws InterruptedException {
        broker.kill();
    }

    @Override
    public void restart() throws IOException {
        broker.restart();
    }

    @Override
    public void close() throws InterruptedException {
        broker.close();
    }
}
