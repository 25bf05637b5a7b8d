package dev.streamtrain.jobs.cli;

import dev.streamtrain.jobs.OnlineTrainingJob;
import dev.streamtrain.jobs.cluster.FlinkCluster;
import dev.streamtrain.jobs.config.InvalidConfigurationException;
import dev.streamtrain.jobs.config.JobArguments;
import dev.streamtrain.jobs.config.JobConfig;
import dev.streamtrain.rollback.RestartableJob;
import dev.streamtrain.rollback.RollbackRefused;
import dev.streamtrain.rollback.RollbackRefused.Reason;
import dev.streamtrain.store.RunKey;
import dev.streamtrain.store.S3Endpoint;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@link OnlineTrainingJob} as a rollback restarts it: from the job jar ({@code --jar}, else the
 * build's), with the stopped job's reported parameters, the S3 and Kafka secrets filled back in from the
 * tool's own credentials and client properties, and the arguments given after {@code --}.
 */
final class OnlineTrainingJobRestart implements RestartableJob {
    private final Path givenJar;
    private final List<String> overrides;
    private final S3Endpoint s3;
    private final Map<String, String> kafkaProperties;

    /**
     * @param givenJar  {@code --jar}, or null for {@code jobs/target/streamtrain-jobs-*-job.jar}
     * @param overrides job arguments ({@code --key value}) that override the stopped job's own
     * @param s3        the tool's S3 endpoint: fills in the masked S3 keys
     * @param kafkaProperties the tool's Kafka client properties: fill in the masked {@code kafka.properties.*} keys
     */
    OnlineTrainingJobRestart(
            Path givenJar, List<String> overrides, S3Endpoint s3, Map<String, String> kafkaProperties) {
        this.givenJar = givenJar;
        this.overrides = List.copyOf(overrides);
        this.s3 = s3;
        this.kafkaProperties = Map.copyOf(kafkaProperties);
    }

    @Override
    public String name(RunKey key) {
        return OnlineTrainingJob.jobName(key);
    }

    @Override
    public String entryClass() {
        return OnlineTrainingJob.class.getName();
    }

    @Override
    public Path jar() throws IOException {
        if (givenJar != null) {
            if (!Files.isRegularFile(givenJar)) {
                throw new RollbackRefused(Reason.SETUP, "--jar " + givenJar + " does not exist");
            }
            return givenJar;
        }
        Path target = FlinkCluster.home().resolve("jobs").resolve("target");
        if (Files.isDirectory(target)) {
            try (DirectoryStream<Path> jars = Files.newDirectoryStream(target, "streamtrain-jobs-*-job.jar")) {
                for (Path p : jars) {
                    return p;
                }
            }
        }
        throw new RollbackRefused(
                Reason.SETUP, "no job jar in " + target + ": build it (./streamtrain build) or give --jar");
    }

    @Override
    public Optional<List<String>> arguments(Map<String, String> reported, int attempt) {
        if (reported.isEmpty() && overrides.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(JobArguments.rebuild(reported, overrides, s3, kafkaProperties, attempt));
        } catch (InvalidConfigurationException e) {
            throw new RollbackRefused(Reason.SETUP, String.join("; ", e.problems()));
        }
    }

    @Override
    public List<String> masked(List<String> arguments) {
        List<String> out = new ArrayList<>(arguments);
        for (int i = 0; i + 1 < out.size(); i++) {
            if (out.get(i).startsWith("--") && JobConfig.isSecret(out.get(i))) {
                out.set(i + 1, JobConfig.MASKED);
            }
        }
        return out;
    }
}
