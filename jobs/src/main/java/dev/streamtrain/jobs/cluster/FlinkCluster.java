package dev.streamtrain.jobs.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import dev.streamtrain.localstack.Await;
import dev.streamtrain.localstack.ChildMain;
import dev.streamtrain.rollback.FlinkRest;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.flink.configuration.Configuration;
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
 * <p>The folder and its files are {@link ClusterFolder}'s; this class starts, finds and stops the
 * processes (pid files in {@code run/}) and asks the REST API whether they are up. Processes are started either <em>detached</em> (the CLI: they outlive the
 * command, in their own session, and {@code stop} finds them by pid file) or <em>attached</em>
 * (tests: they halt when this JVM goes, through the same stdin watchdog as the local stack).
 */
public final class FlinkCluster implements AutoCloseable {
    public static final String JOB_MANAGER_MAIN =
            "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint";
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

    private final ClusterFolder folder;
    private final Path dir;
    private final boolean attached;
    /** Attached mode only: the processes this JVM started (their stdin pipes keep them alive). */
    private final Map<String, Process> children = new LinkedHashMap<>();

    private FlinkCluster(ClusterFolder folder, boolean attached) {
        this.folder = folder;
        this.dir = folder.dir();
        this.attached = attached;
    }

    /** An existing cluster folder, e.g. for {@code stop}, {@code status} or the {@code flink} CLI. */
    public static FlinkCluster at(Path dir) {
        return new FlinkCluster(new ClusterFolder(dir), false);
    }

    /** The repository root (the launcher and the build set {@code streamtrain.home}). */
    public static Path home() {
        return ClusterFolder.home();
    }

    /** {@code STREAMTRAIN_CLUSTER_DIR}, else {@code target/flink-cluster} under the repository root. */
    public static Path defaultDir() {
        return ClusterFolder.defaultDir();
    }

    /**
     * Lays the cluster folder out ({@link ClusterFolder}) unless a cluster already runs in it.
     *
     * @param attached true: the processes halt with this JVM (tests); false: they outlive it (CLI)
     */
    public static FlinkCluster assemble(ClusterSpec spec, boolean attached) throws IOException {
        FlinkCluster running = at(spec.dir());
        if (running.runningPids().keySet().stream().anyMatch(n -> !n.equals("local-stack"))) {
            throw new IllegalStateException("a cluster is already running in " + running.dir + " (pids "
                    + running.runningPids() + "): ./streamtrain cluster stop first, or use another --dir");
        }
        return new FlinkCluster(ClusterFolder.assemble(spec), attached);
    }

    public ClusterFolder folder() {
        return folder;
    }

    public Path dir() {
        return dir;
    }

    public Path lib() {
        return folder.lib();
    }

    public Path plugins() {
        return folder.plugins();
    }

    public Path conf() {
        return folder.conf();
    }

    public Path log() {
        return folder.log();
    }

    Path run() {
        return folder.run();
    }

    /** The cluster's configuration as Flink reads it. */
    public Configuration configuration() {
        return folder.configuration();
    }

    public String restUrl() {
        return folder.restUrl();
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

    private long start(String name, List<String> jvmOptions, String mainClass, List<String> dynamicConfig)
            throws IOException {
        List<String> cmd = new ArrayList<>();
        if (!attached && Files.isExecutable(Paths.get("/usr/bin/setsid"))) {
            cmd.add("/usr/bin/setsid"); // its own session: a Ctrl-C or a closed terminal does not reach it
        }
        cmd.add(javaExecutable());
        cmd.addAll(jvmOptions);
        cmd.addAll(JAVA17_OPTS);
        cmd.add("-Dai.djl.offline=true");
        cmd.add("-Dlog.file=" + log().resolve("flink-" + name + ".log"));
        cmd.add("-Dlog4j.configurationFile="
                + conf().resolve("log4j.properties").toUri());
        cmd.add("-Dstreamtrain.cluster.dir=" + dir); // marks the process as this cluster's (stop checks it)
        cmd.add("-cp");
        String classpath = lib() + File.separator + "*";
        if (attached) {
            cmd.add(WatchdogJar.in(run()) + File.pathSeparator + classpath);
            cmd.add(ChildMain.class.getName());
        } else {
            cmd.add(classpath);
        }
        cmd.add(mainClass);
        cmd.add("--configDir");
        cmd.add(conf().toString());
        cmd.addAll(dynamicConfig);

        Path out = log().resolve("flink-" + name + ".out");
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .directory(dir.toFile())
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

    /** Pid files of this cluster whose process is still alive and is this cluster's. */
    public Map<String, Long> runningPids() {
        Map<String, Long> alive = new LinkedHashMap<>();
        if (!Files.isDirectory(run())) {
            return alive;
        }
        try (DirectoryStream<Path> pids = Files.newDirectoryStream(run(), "*.pid")) {
            for (Path f : pids) {
                String name = f.getFileName().toString().replaceFirst("\\.pid$", "");
                readPid(f).flatMap(ProcessHandle::of).filter(this::ours).ifPresent(h -> alive.put(name, h.pid()));
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
        return h.isAlive()
                && h.info().commandLine().map(cl -> cl.contains(dir.toString())).orElse(true);
    }

    /** The pid of a process of this cluster by name (jobmanager, taskmanager-1, local-stack), if running. */
    public Optional<Long> pid(String name) {
        return Optional.ofNullable(runningPids().get(name));
    }

    /** {@code kill -9}: a crash, no shutdown. */
    public void kill(String name) throws InterruptedException {
        Process child = children.get(name);
        Optional<ProcessHandle> h =
                child != null ? Optional.of(child.toHandle()) : pid(name).flatMap(ProcessHandle::of);
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
                } catch (TimeoutException e) {
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
