package dev.streamtrain.jobs.cluster;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Flink's own command line ({@code CliFrontend}, what {@code bin/flink} runs) against a cluster
 * folder: {@code FLINK_CONF_DIR} is its conf/, the classpath its lib/. So {@code flink run},
 * {@code stop --savepointPath}, {@code run -s}, {@code cancel}, {@code list} work as documented.
 */
public final class FlinkCli {
    private static final Pattern JOB_ID = Pattern.compile("JobID ([0-9a-f]{32})");
    private static final Pattern SAVEPOINT = Pattern.compile("Savepoint completed\\. Path: (\\S+)");

    private FlinkCli() {}

    /** A process builder for {@code flink <args>}; the caller chooses where its output goes. */
    public static ProcessBuilder processBuilder(FlinkCluster cluster, List<String> args) {
        if (!Files.isDirectory(cluster.lib())
                || !Files.isRegularFile(cluster.conf().resolve("config.yaml"))) {
            throw new IllegalStateException("no cluster in " + cluster.dir() + ": ./streamtrain cluster start first"
                    + " (or set STREAMTRAIN_CLUSTER_DIR)");
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(FlinkCluster.javaExecutable());
        cmd.add("-Xmx512m");
        cmd.addAll(FlinkCluster.JAVA17_OPTS);
        cmd.add("-Dlog.file=" + cluster.log().resolve("flink-client.log"));
        cmd.add("-Dlog4j.configurationFile="
                + cluster.conf().resolve("log4j-cli.properties").toUri());
        cmd.add("-cp");
        cmd.add(cluster.lib() + File.separator + "*");
        cmd.add(FlinkCluster.CLI_MAIN);
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("FLINK_CONF_DIR", cluster.conf().toString());
        pb.environment().put("FLINK_PLUGINS_DIR", cluster.plugins().toString());
        pb.environment().put("FLINK_LIB_DIR", cluster.lib().toString());
        pb.environment().put("DJL_OFFLINE", "true");
        return pb;
    }

    /** Runs {@code flink <args>} to the end, output captured. */
    public static Result run(FlinkCluster cluster, Duration timeout, String... args)
            throws IOException, InterruptedException {
        Path out = Files.createTempFile(cluster.log(), "flink-cli-", ".out");
        try {
            Process p = processBuilder(cluster, List.of(args))
                    .redirectErrorStream(true)
                    .redirectOutput(out.toFile())
                    .start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("flink " + String.join(" ", args) + " did not finish within " + timeout
                        + ": " + Files.readString(out, StandardCharsets.UTF_8));
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
        }
    }

    /** What one CLI call returned. */
    public record Result(int exitCode, String output) {
        /** Fails with the output unless the command succeeded. */
        public Result orThrow(String what) {
            if (exitCode != 0) {
                throw new IllegalStateException(what + " failed (exit " + exitCode + "):\n" + output);
            }
            return this;
        }

        /** The job id that {@code flink run -d} printed. */
        public String jobId() {
            return find(JOB_ID, "a JobID");
        }

        /** The savepoint path that {@code flink stop} / {@code flink savepoint} printed. */
        public String savepointPath() {
            return find(SAVEPOINT, "a savepoint path");
        }

        private String find(Pattern pattern, String what) {
            Matcher m = pattern.matcher(output);
            if (!m.find()) {
                throw new IllegalStateException("no " + what + " in the flink CLI output:\n" + output);
            }
            return m.group(1);
        }
    }
}
