package dev.streamtrain.jobs.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** One run of the {@code ./streamtrain} launcher as a user runs it: a subprocess, its exit code and output. */
record Launched(int exit, String out, String err) {
    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    /** The repository root: the tests run in jobs/. */
    static Path home() {
        String property = System.getProperty("streamtrain.home");
        return property != null
                ? Path.of(property)
                : Path.of("..").toAbsolutePath().normalize();
    }

    static Launched run(String... args) throws IOException, InterruptedException {
        return run(TIMEOUT, Map.of(), args);
    }

    /** One run with extra environment variables (e.g. STREAMTRAIN_CLUSTER_DIR), failing after {@code timeout}. */
    static Launched run(Duration timeout, Map<String, String> env, String... args)
            throws IOException, InterruptedException {
        List<String> command =
                new ArrayList<>(List.of(home().resolve("streamtrain").toString()));
        command.addAll(List.of(args));
        Path out = Files.createTempFile("streamtrain-launcher", ".out");
        Path err = Files.createTempFile("streamtrain-launcher", ".err");
        try {
            ProcessBuilder builder = new ProcessBuilder(command)
                    .directory(home().toFile())
                    .redirectInput(
                            ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile());
            builder.environment().put("JAVA_HOME", System.getProperty("java.home")); // the JDK running the tests
            builder.environment().putAll(env);
            Process process = builder.start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor();
                throw new AssertionError(command + " did not exit within " + timeout.toSeconds() + " s; stderr: "
                        + Files.readString(err, StandardCharsets.UTF_8));
            }
            return new Launched(
                    process.exitValue(),
                    Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
