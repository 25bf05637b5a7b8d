package dev.streamtrain.jobs.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import dev.streamtrain.localstack.Await;
import dev.streamtrain.localstack.ChildMain;
import dev.streamtrain.rollback.FlinkRest;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessSpec;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessUtils;
import org.apache.flink.runtime.jobmanager.JobManagerProcessSpec;
import org.apache.flink.runtime.jobmanager.JobManagerProcessUtils;
import org.apache.flink.runtime.util.config.memory.ProcessMemoryUtils;

/**
 * A standalone Flink session cluster built from Maven jars (flink-dist is not on Maven Central):
 * one JobManager ({@code StandaloneSessionClusterEntrypoint}) and TaskManagers
 * ({@code TaskManagerRunner}) as separate JVMs, the way Flink's own scripts start them.
 *
 * <p>The folder holds {@code lib/} (Flink's runtime, log4j and DJL — see the cluster-lib module),
 * {@code plugins/s3-fs-presto/}, {@code conf/config.yaml}, {@code log/} and {@code run/} (pid files,
 * {@code cluster.json}). Processes are started either <em>detached</em> (the CLI: they outlive the
 * command, in their own session, and {@code stop} finds them by pid file) or <em>attached</em>
 * (tests: they halt when this JVM goes, through the same stdin watchdog as the local stack).
 */
public final class FlinkCluster implements AutoCloseable {
    public static final String JOB_MANAGER_MAIN = "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint";
    public static final String TASK_MANAGER_MAIN = "org.apache.flink.runtime.taskexecutor.TaskManagerRunner";
    public static final String CLI_MAIN = "org.apache.flink.client.cli.CliFrontend";

    /**
     * What Flink's distribution passes to every JVM on Java 17 ({@code env.java.opts.all} in its
     * config.yaml): Flink's serializers and Pekko reflect into these JDK packages.
     */
    static final List<String> JAVA17_OPTS = List.of(
            "--add-exports=java.base/sun.net.util=ALL-UNNAMED",
            "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
            "--add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED",
            "--add-opens=java.base/java.lang=ALL-UNNAMED",
            "--add-opens=java.base/java.net=ALL-UNNAMED",
            "--add-opens=java.base/java.io=ALL-UNNAMED",
            "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
            "--add-opens=java.base/java.text=ALL-UNNAMED",
            "--add-opens=java.base/java.time=ALL-UNNAMED",
            "--add-opens=java.base/java.util=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED");

    private final Path dir;
    private final boolean attached;
    /** Attached mode only: the processes this JVM started (their stdin pipes keep them alive). */
    private final Map<String, Process> children = new LinkedHashMap<>();

    private FlinkCluster(Path dir, boolean attached) {
        this.dir = dir.toAbsolutePath().normalize();
        this.attached = attached;
    }

    /** An existing cluster folder, e.g. for {@code stop}, {@code status} or the {@code flink} CLI. */
    public static FlinkCluster at(Path dir) {
        return new FlinkCluster(dir, false);
    }

    /** The repository root (the launcher and the build set {@code streamtrain.home}). */
    public static Path home() {
        return Paths.get(System.getProperty("streamtrain.home", ".")).toAbsolutePath().normalize();
    }

    /** {@code STREAMTRAIN_CLUSTER_DIR}, else {@code target/flink-cluster} under the repository root. */
    public static Path defaultDir() {
        String env = System.getenv("STREAMTRAIN_CLUSTER_DIR");
        return env != null && !env.isBlank() ? Paths.get(env) : home().resolve("target").resolve("flink-cluster");
    }

    /**
     * Lays the cluster folder out: lib/ and plugins/ (hard links to the jars the cluster-lib module
     * copied, or copies across file systems), conf/config.yaml and the log4j files.
     *
     * @param attached true: the processes halt with this JVM (tests); false: they outlive it (CLI)
     */
    public static FlinkCluster assemble(ClusterSpec spec, boolean attached) throws IOException {
        FlinkCluster c = new FlinkCluster(spec.dir(), attached);
        Path source = home().resolve("jobs").resolve("cluster-lib").resolve("target");
        Path libSource = source.resolve("lib");
        Path presto = source.resolve("plugins").resolve("s3-fs-presto");
        if (!Files.isDirectory(libSource) || !Files.isDirectory(presto)) {
            throw new IllegalStateException(libSource + " or " + presto + " is missing: build first (./mvnw -DskipTests"
                    + " package; the cluster-lib module collects Flink's runtime, log4j and DJL there)");
        }
        if (c.runningPids().keySet().stream().anyMatch(n -> !n.equals("local-stack"))) {
            throw new IllegalStateException("a cluster is already running in " + c.dir + " (pids " + c.runningPids()
                    + "): ./streamtrain cluster stop first, or use another --dir");
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

    Path run() {
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
        c.put("s3.endpoint", spec.s3().endpoint().toString());
        c.put("s3.path.style.access", "true");
        c.put("s3.access-key", spec.s3().accessKey());
        c.put("s3.secret-key", spec.s3().secretKey());
        c.put("s3.ssl.enabled", String.valueOf("https".equals(spec.s3().endpoint().getScheme())));
        // DJL from lib/ even when a job jar brings its own copy: native code loads once per JVM
        c.put("classloader.parent-first-patterns.additional", "ai.djl.");
        if (!spec.taskManagerJavaOpts().isBlank()) {
            c.put("env.java.opts.taskmanager", spec.taskManagerJavaOpts());
        }

        StringBuilder yaml = new StringBuilder("# Generated by ./streamtrain cluster start — rewritten on every start.\n"
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

    private void writeLog4j() throws IOException {
        String daemon = """
                # JobManager / TaskManager: one file per process (-Dlog.file)
                rootLogger.level = INFO
                rootLogger.appenderRef.file.ref = file
                appender.file.type = File
                appender.file.name = file
                appender.file.fileName = ${sys:log.file}
                appender.file.append = true
                appender.file.layout.type = PatternLayout
                appender.file.layout.pattern = %d{HH:mm:ss,SSS} %-5p %t %c{1} - %m%n
                logger.kafka.name = org.apache.kafka
                logger.kafka.level = WARN
                logger.metricgroup.name = org.apache.flink.metrics.MetricGroup
                logger.metricgroup.level = ERROR
                logger.awsv1.name = com.amazonaws
                logger.awsv1.level = WARN
                """;
        Files.writeString(conf().resolve("log4j.properties"), daemon, StandardCharsets.UTF_8);
        String cli = """
                # flink CLI: its log goes to a file; what it prints for people goes to stdout
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
        Files.writeString(conf().resolve("log4j-cli.properties"), cli, StandardCharsets.UTF_8);
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free loopback port", e);
        }
    }

    // ---------------------------------------------------------------- processes

    /** Starts the JobManager; returns its pid. */
    public long startJobManager() throws IOException {
        Configuration conf = configuration();
        JobManagerProcessSpec spec = JobManagerProcessUtils.processSpecFromConfig(conf);
        List<String> jvm = split(JobManagerProcessUtils.generateJvmParametersStr(spec, conf));
        List<String> dynamic = split(JobManagerProcessUtils.generateDynamicConfigsStr(spec));
        return start("jobmanager", jvm, JOB_MANAGER_MAIN, dynamic);
    }

    /**
     * Starts a TaskManager with the memory settings Flink's {@code taskmanager.sh} would give it
     * (what {@code BashJavaUtils GET_TM_RESOURCE_PARAMS} computes); returns its pid. Each call
     * starts another one: {@code taskmanager-1}, {@code taskmanager-2}, …
     */
    public long startTaskManager() throws IOException {
        Configuration conf = configuration();
        TaskExecutorProcessSpec spec = TaskExecutorProcessUtils.processSpecFromConfig(conf);
        List<String> jvm = new ArrayList<>(split(ProcessMemoryUtils.generateJvmParametersStr(spec)));
        jvm.addAll(split(conf.getString("env.java.opts.taskmanager", "")));
        List<String> dynamic = split(TaskExecutorProcessUtils.generateDynamicConfigsStr(spec));
        int n = 1;
        while (Files.exists(run().resolve("taskmanager-" + n + ".pid"))) {
            n++;
        }
        return start("taskmanager-" + n, jvm, TASK_MANAGER_MAIN, dynamic);
    }

    private static List<String> split(String s) {
        return Arrays.stream(s.trim().split("\\s+")).filter(t -> !t.isEmpty()).toList();
    }

    private long start(String name, List<String> jvmOptions, String mainClass, List<String> dynamicConfig) throws IOException {
        List<String> cmd = new ArrayList<>();
        if (!attached && Files.isExecutable(Paths.get("/usr/bin/setsid"))) {
            cmd.add("/usr/bin/setsid"); // its own session: a Ctrl-C or a closed terminal does not reach it
        }
        cmd.add(javaExecutable());
        cmd.addAll(jvmOptions);
        cmd.addAll(JAVA17_OPTS);
        cmd.add("-Dai.djl.offline=true");
        cmd.add("-Dlog.file=" + log().resolve("flink-" + name + ".log"));
        cmd.add("-Dlog4j.configurationFile=" + conf().resolve("log4j.properties").toUri());
        cmd.add("-Dstreamtrain.cluster.dir=" + dir); // marks the process as this cluster's (stop checks it)
        cmd.add("-cp");
        String classpath = lib() + File.separator + "*";
        if (attached) {
            cmd.add(watchdogJar() + File.pathSeparator + classpath);
            cmd.add(ChildMain.class.getName());
        } else {
            cmd.add(classpath);
        }
        cmd.add(mainClass);
        cmd.add("--configDir");
        cmd.add(conf().toString());
        cmd.addAll(dynamicConfig);

        Path out = log().resolve("flink-" + name + ".out");
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(out.toFile()));
        if (!attached) {
            pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        }
        pb.environment().put("FLINK_CONF_DIR", conf().toString());
        pb.environment().put("FLINK_PLUGINS_DIR", plugins().toString());
        pb.environment().put("FLINK_LIB_DIR", lib().toString());
        pb.environment().put("DJL_OFFLINE", "true");
        Process p = pb.start();
        Files.writeString(run().resolve(name + ".pid"), Long.toString(p.pid()));
        if (attached) {
            children.put(name, p);
        }
        return p.pid();
    }

    static String javaExecutable() {
        return Paths.get(System.getProperty("java.home"), "bin", "java").toString();
    }

    /**
     * A jar with only {@link ChildMain} (halts the JVM when its parent's pipe closes): on the
     * attached processes' classpath without our other classes, which belong to the job jar.
     */
    private Path watchdogJar() throws IOException {
        Path jar = run().resolve("watchdog.jar");
        if (!Files.exists(jar)) {
            String entry = ChildMain.class.getName().replace('.', '/') + ".class";
            Manifest manifest = new Manifest();
            manifest.getMainAttributes().putValue("Manifest-Version", "1.0");
            try (InputStream in = ChildMain.class.getClassLoader().getResourceAsStream(entry);
                 OutputStream file = Files.newOutputStream(jar);
                 JarOutputStream out = new JarOutputStream(file, manifest)) {
                if (in == null) {
                    throw new IOException("cannot read " + entry + " from the classpath");
                }
                out.putNextEntry(new JarEntry(entry));
                in.transferTo(out);
                out.closeEntry();
            }
        }
        return jar;
    }

    /** Pid files of this cluster whose process is still alive and is this cluster's. */
    public Map<String, Long> runningPids() {
        Map<String, Long> alive = new LinkedHashMap<>();
        if (!Files.isDirectory(run())) {
            return alive;
        }
        try (DirectoryStream<Path> pids = Files.newDirectoryStream(run(), "*.pid")) {
            for (Path f : pids) {
                String name = f.getFileName().toString().replaceFirst("\\.pid$", "");
                readPid(f).flatMap(ProcessHandle::of).filter(this::ours)
                        .ifPresent(h -> alive.put(name, h.pid()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return alive;
    }

    private static Optional<Long> readPid(Path f) {
        try {
            return Optional.of(Long.parseLong(Files.readString(f).trim()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** Whether a process is one of this cluster's: its command line names the cluster folder. */
    private boolean ours(ProcessHandle h) {
        return h.isAlive() && h.info().commandLine().map(cl -> cl.contains(dir.toString())).orElse(true);
    }

    /** The pid of a process of this cluster by name (jobmanager, taskmanager-1, local-stack), if running. */
    public Optional<Long> pid(String name) {
        return Optional.ofNullable(runningPids().get(name));
    }

    /** {@code kill -9}: a crash, no shutdown. */
    public void kill(String name) throws InterruptedException {
        Process child = children.get(name);
        Optional<ProcessHandle> h = child != null ? Optional.of(child.toHandle()) : pid(name).flatMap(ProcessHandle::of);
        if (h.isEmpty()) {
            throw new IllegalStateException(name + " is not running");
        }
        h.get().destroyForcibly();
        try {
            h.get().onExit().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(name + " did not die after SIGKILL", e);
        }
    }

    /** Waits until the REST API lists {@code n} registered TaskManagers; fails early if the JobManager died. */
    public void awaitTaskManagers(int n, Duration timeout) {
        Await.until(timeout, 200, n + " TaskManager(s) registered at " + restUrl() + " (logs: " + log() + ")", () -> {
            if (pid("jobmanager").isEmpty()) {
                throw new IllegalStateException("the JobManager exited; see " + log().resolve("flink-jobmanager.out")
                        + " and flink-jobmanager.log");
            }
            return registeredTaskManagers() >= n;
        });
    }

    /** TaskManagers the JobManager knows, from {@code GET /taskmanagers}; -1 when the REST API does not answer. */
    public int registeredTaskManagers() {
        return rest("/taskmanagers").map(j -> j.path("taskmanagers").size()).orElse(-1);
    }

    /** GET on the REST API; empty when it does not answer (yet). */
    public Optional<JsonNode> rest(String path) {
        try {
            return new FlinkRest(restUrl()).get(path);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * Stops every process of this cluster: SIGTERM (Flink shuts down cleanly), SIGKILL after 30 s.
     * TaskManagers first, then the JobManager, then the local stack. Returns what was stopped.
     */
    public Map<String, Long> stop() throws InterruptedException {
        Map<String, Long> running = runningPids();
        List<String> order = new ArrayList<>(running.keySet());
        order.sort((a, b) -> Integer.compare(rank(a), rank(b)));
        for (String name : order) {
            ProcessHandle.of(running.get(name)).ifPresent(h -> {
                h.destroy();
                try {
                    h.onExit().get(30, TimeUnit.SECONDS);
                } catch (java.util.concurrent.TimeoutException e) {
                    h.destroyForcibly();
                } catch (Exception e) {
                    // gone already
                }
            });
        }
        for (Process p : children.values()) {
            p.destroyForcibly();
        }
        children.clear();
        try (DirectoryStream<Path> pids = Files.newDirectoryStream(run(), "*.pid")) {
            for (Path f : pids) {
                Files.deleteIfExists(f);
            }
        } catch (IOException e) {
            // nothing to clean
        }
        return running;
    }

    private static int rank(String name) {
        return name.startsWith("taskmanager") ? 0 : name.equals("jobmanager") ? 1 : 2;
    }

    /** Removes the pid file of a process that is gone (after {@link #kill}), so that its name is free. */
    public void forget(String name) throws IOException {
        Files.deleteIfExists(run().resolve(name + ".pid"));
        children.remove(name);
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }

    /** The last lines of a log file of this cluster, for error messages. */
    public String logTail(String file, int lines) {
        try {
            List<String> all = Files.readAllLines(log().resolve(file), StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no " + file + ": " + e.getMessage() + ")";
        }
    }
}
