package dev.streamtrain.jobs;

import dev.streamtrain.jobs.config.JobConfig;
import dev.streamtrain.jobs.config.TrainingJobOptions;
import dev.streamtrain.store.ArtifactReader;
import dev.streamtrain.store.S3Clients;
import dev.streamtrain.store.S3Endpoint;
import dev.streamtrain.store.WarmStart;
import java.io.IOException;
import java.util.Optional;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * {@code model.init-from}: the weights a fresh job starts from, read and checked against the job's
 * model before anything is submitted, so that a file that does not fit fails the start with every
 * mismatch named rather than a task failing over and over.
 */
public final class OnlineTrainingJobWarmStart {
    private static final Logger LOG = LoggerFactory.getLogger(OnlineTrainingJobWarmStart.class);

    private OnlineTrainingJobWarmStart() {}

    /**
     * The warm start, or null: the key is unset, Flink restores a checkpoint or savepoint, or the job
     * continues from an artifact ({@code restoringFromArtifact}), whose state wins.
     *
     * @throws IOException when a file is missing or unreadable, or (a StateDictMismatchException)
     *     does not fit the job's model, listing every mismatch
     */
    public static WarmStart load(JobConfig config, ReadableConfig effective, boolean restoringFromArtifact)
            throws IOException {
        String location = config.get(TrainingJobOptions.MODEL_INIT_FROM);
        if (location == null || location.isBlank()) {
            return null;
        }
        Optional<String> recovery = effective.getOptional(StateRecoveryOptions.SAVEPOINT_PATH);
        if (recovery.isPresent() || restoringFromArtifact) {
            LOG.info(
                    "{} is ignored: the job continues from {}",
                    TrainingJobOptions.MODEL_INIT_FROM.key(),
                    recovery.orElse(TrainingJobOptions.RESTORE_FROM_ARTIFACT.key()));
            return null;
        }
        boolean withOptimizer = config.get(TrainingJobOptions.MODEL_INIT_OPTIMIZER);
        Optional<S3Endpoint> s3 = config.s3Endpoint();
        WarmStart warmStart;
        if (s3.isPresent()) {
            try (S3Client client = S3Clients.create(s3.get())) {
                warmStart = WarmStart.load(
                        config.modelSpec(), location, withOptimizer, new ArtifactReader(client, config.storeBucket()));
            }
        } else {
            warmStart = WarmStart.load(config.modelSpec(), location, withOptimizer, null);
        }
        LOG.info(
                "warm start from {} (sha256 {}){}",
                warmStart.parent().uri(),
                warmStart.parent().sha256(),
                withOptimizer
                        ? " with its optimizer state, step " + warmStart.state().steps()
                        : "");
        return warmStart;
    }
}
