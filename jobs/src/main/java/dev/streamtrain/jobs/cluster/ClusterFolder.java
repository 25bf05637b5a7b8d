package dev.streamtrain.jobs.cluster;

import dev.streamtrain.store.FlinkS3;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;

/**
 * The folder of a standalone Flink cluster and what is written into it before any process starts:
 * {@code lib/} (Flink's runtime, log4j and DJL — see the cluster-lib module),
 * {@code plugins/s3-fs-presto/}, {@code conf/config.yaml} and the two log4j files, {@code log/},
 * {@code run/} (pid files) and {@code tmp/}. The processes themselves are {@link FlinkCluster}'s.
 */
public final class ClusterFolder {
    private final Path dir;

    ClusterFolder(Path dir) {
        this.dir = dir.toAbsolutePath().normalize();
    }

    /** The repository root (the launcher and the build set {@code streamtrain.home}). */
    public static Path home() {
        return Paths.get(System.getProperty("streamtrain.home", "."))
                .toAbsolutePath()
                .normalize();
    }

    /** {@code STREAMTRAIN_CLUSTER_DIR}, else {@code target/flink-cluster} under the repository root. */
    public static Path defaultDir() {
        String env = System.getenv("STREAMTRAIN_CLUSTER_DIR");
        return env != null && !env.isBlank()
                ? Paths.get(env)
                : home().resolve("target").resolve("flink-cluster");
    }

    /**
     * Lays the cluster folder out: lib/ and plugins/ (hard links to the jars the cluster-lib module
     * copied, or copies across file systems), conf/config.yaml and the log4j files.
     *
     */
    static ClusterFolder assemble(ClusterSpec spec) throws IOException {
        ClusterFolder c = new ClusterFolder(spec.dir());
        Path source = home().resolve("jobs").resolve("cluster-lib").resolve("target");
        Path libSource = source.resolve("lib");
        Path presto = source.resolve("plugins").resolve("s3-fs-presto");
        if (!Files.isDirectory(libSource) || !Files.isDirectory(presto)) {
            throw new IllegalStateException(libSource + " or " + presto + " is missing: build first (./mvnw -DskipTests"
                    + " package; the cluster-lib module collects Flink's runtime, log4j and DJL there)");
        }
        linkAll(libSource, c.lib());
        linkAll(presto, c.plugins().resolve("s3-fs-presto"));
        Files.createDirectories(c.conf());
        Files.createDirectories(c.log());
        Files.createDirectories(c.run());
        Files.createDirectories(c.dir.resolve("tmp"));
        c.writeConfig(spec);
        c.writeLog4j();
        return c;
    }

    private static void linkAll(Path from, Path to) throws IOException {
        if (Files.isDirectory(to)) {
            try (DirectoryStream<Path> old = Files.newDirectoryStream(to)) {
                for (Path p : old) {
                    Files.delete(p);
                }
            }
        }
        Files.createDirectories(to);
        try (DirectoryStream<Path> jars = Files.newDirectoryStream(from, "*.jar")) {
            for (Path jar : jars) {
                Path target = to.resolve(jar.getFileName());
                try {
                    Files.createLink(target, jar);
                } catch (IOException | UnsupportedOperationException e) {
                    Files.copy(jar, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    public Path dir() {
        return dir;
    }

    public Path lib() {
        return dir.resolve("lib");
    }

    public Path plugins() {
        return dir.resolve("plugins");
    }

    public Path conf() {
        return dir.resolve("conf");
    }

    public Path log() {
        return dir.resolve("log");
    }

    public Path run() {
        return dir.resolve("run");
    }

    /** The cluster's configuration as Flink reads it. */
    public Configuration configuration() {
        return GlobalConfiguration.loadConfiguration(conf().toString());
    }

    public String restUrl() {
        Configuration conf = configuration();
        return "http://" + conf.getString("rest.address", "127.0.0.1") + ":" + conf.getString("rest.port", "8081");
    }

    private void writeConfig(ClusterSpec spec) throws IOException {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("jobmanager.rpc.address", "127.0.0.1");
        c.put("jobmanager.rpc.port", String.valueOf(freePort()));
        c.put("jobmanager.bind-host", "127.0.0.1");
        c.put("jobmanager.memory.process.size", spec.jobManagerMemory());
        c.put("taskmanager.host", "127.0.0.1");
        c.put("taskmanager.bind-host", "127.0.0.1");
        c.put("taskmanager.numberOfTaskSlots", String.valueOf(spec.slots()));
        c.put("taskmanager.memory.process.size", spec.taskManagerMemory());
        // heap state backend: Flink's managed memory would sit unused; libtorch allocates natively
        c.put("taskmanager.memory.managed.size", "64m");
        c.put("parallelism.default", "1");
        c.put("rest.address", "127.0.0.1");
        c.put("rest.bind-address", "127.0.0.1");
        c.put("rest.port", String.valueOf(freePort()));
        c.put("io.tmp.dirs", dir.resolve("tmp").toString());
        c.put("state.backend.type", "hashmap");
        c.put("execution.checkpointing.dir", spec.checkpointsDir());
        c.put("execution.checkpointing.savepoint-dir", spec.savepointsDir());
        c.put("execution.checkpointing.externalized-checkpoint-retention", "RETAIN_ON_CANCELLATION");
        // the retained checkpoints are the rollback restore points (./streamtrain rollback)
        c.put("execution.checkpointing.num-retained", String.valueOf(spec.retainedCheckpoints()));
        c.put("restart-strategy.type", "exponential-delay");
        c.put("restart-strategy.exponential-delay.initial-backoff", "1 s");
        c.put("restart-strategy.exponential-delay.max-backoff", "10 s");
        // a TaskManager that is gone fails its heartbeat RPCs at once: 2 failures (the default
        // heartbeat.rpc-failure-threshold) 2 s apart mark it lost, instead of the 50 s timeout
        c.put("heartbeat.interval", "2 s");
        c.putAll(FlinkS3.keys(spec.s3()));
        // DJL from lib/ even when a job jar brings its own copy: native code loads once per JVM
        c.put("classloader.parent-first-patterns.additional", "ai.djl.");
        if (!spec.taskManagerJavaOpts().isBlank()) {
            c.put("env.java.opts.taskmanager", spec.taskManagerJavaOpts());
        }

        StringBuilder yaml =
                new StringBuilder("# Generated by ./streamtrain cluster start — rewritten on every start.\n"
                        + "# Flink 2 standard YAML, flat keys. Holds the S3 secret: readable by its owner only.\n");
        c.forEach((k, v) -> yaml.append(k).append(": ").append(quote(v)).append('\n'));
        Path file = conf().resolve("config.yaml");
        Files.deleteIfExists(file);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, yaml, StandardCharsets.UTF_8);
    }

    private static String quote(String v) {
        return "'" + v.replace("'", "''") + "'";
    }

    /** What both log4j files share: INFO into the file named by -Dlog.file, metric-group noise off. */
    private static final String LOG_TO_FILE = """
            rootLogger.level = INFO
            rootLogger.appenderRef.file.ref = file
            appender.file.type = File
            appender.file.name = file
            appender.file.fileName = ${sys:log.file}
            appender.file.append = true
            appender.file.layout.type = PatternLayout
            appender.file.layout.pattern = %d{HH:mm:ss,SSS} %-5p %t %c{1} - %m%n
            logger.metricgroup.name = org.apache.flink.metrics.MetricGroup
            logger.metricgroup.level = ERROR
            """;

    private void writeLog4j() throws IOException {
        String daemon = "# JobManager / TaskManager: one file per process (-Dlog.file)\n" + LOG_TO_FILE + """
                logger.kafka.name = org.apache.kafka
                logger.kafka.level = WARN
                logger.awsv1.name = com.amazonaws
                logger.awsv1.level = WARN
                """;
        Files.writeString(conf().resolve("log4j.properties"), daemon, StandardCharsets.UTF_8);
        String cli = "# flink CLI: its log goes to a file; what it prints for people goes to stdout\n" + LOG_TO_FILE;
        Files.writeString(conf().resolve("log4j-cli.properties"), cli, StandardCharsets.UTF_8);
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free loopback port", e);
        }
    }
}
