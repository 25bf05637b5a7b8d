package dev.streamtrain.jobs;

import dev.streamtrain.jobs.config.JobConfig;
import dev.streamtrain.jobs.config.TrainingJobOptions;
import dev.streamtrain.rollback.ArtifactRestoreCheck;
import dev.streamtrain.rollback.ArtifactRestorePoint;
import dev.streamtrain.rollback.OffsetHorizon;
import dev.streamtrain.rollback.RestoreRefusedException;
import dev.streamtrain.store.ArtifactReader;
import dev.streamtrain.store.Manifest;
import dev.streamtrain.store.S3Clients;
import dev.streamtrain.store.S3Endpoint;
import java.io.IOException;
import java.net.URI;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * {@code restore.from-artifact}: the job's start from an epoch artifact instead of from scratch,
 * checked before anything is submitted. Refused, with the reason, when the artifact is gone, fails
 * its sha256, predates restore points, or when the topic no longer holds the offsets it continues
 * from.
 */
public final class OnlineTrainingJobRestore {
    private static final Logger LOG = LoggerFactory.getLogger(OnlineTrainingJobRestore.class);
    private static final int KAFKA_TIMEOUT_MS = 10_000;

    private OnlineTrainingJobRestore() {}

    /**
     * The artifact to start from, or null: the key is unset, or Flink restores a checkpoint or
     * savepoint ({@code execution.state-recovery.path}), whose state wins.
     *
     * @param effective the environment's configuration (holds the savepoint path under {@code flink run -s})
     * @throws RestoreRefusedException naming the problem
     */
    public static ArtifactRestorePoint load(JobConfig config, ReadableConfig effective) throws IOException {
        Optional<String> location = Optional.ofNullable(config.get(TrainingJobOptions.RESTORE_FROM_ARTIFACT));
        if (location.isEmpty()) {
            return null;
        }
        Optional<String> recovery = effective.getOptional(StateRecoveryOptions.SAVEPOINT_PATH);
        if (recovery.isPresent()) {
            LOG.info(
                    "{} is ignored: Flink restores {} and its state wins",
                    TrainingJobOptions.RESTORE_FROM_ARTIFACT.key(),
                    recovery.get());
            return null;
        }
        S3Endpoint s3 = config.s3Endpoint()
                .orElseThrow(() -> new RestoreRefusedException(TrainingJobOptions.RESTORE_FROM_ARTIFACT.key()
                        + " reads the artifact with the S3 endpoint and credentials of the job configuration"
                        + " (s3.endpoint, s3.access-key, s3.secret-key) or AWS_*; none are set"));
        ArtifactRestorePoint point;
        try (S3Client client = S3Clients.create(s3)) {
            point = ArtifactRestorePoint.load(
                    new ArtifactReader(client, config.storeBucket()), location.get(), config.modelSpec());
        }
        requireOffsetsInTopic(point, logStarts(config, point.nextOffsets().keySet()));
        LOG.info(
                "starting from epoch {} of attempt {} ({}): {} samples trained, Kafka from {}",
                point.epoch(),
                point.manifest().attempt(),
                point.manifestUri(),
                point.manifest().resume().samplesTotal(),
                point.nextOffsets());
        return point;
    }

    /** @throws RestoreRefusedException naming each partition whose records retention deleted */
    static void requireOffsetsInTopic(ArtifactRestorePoint point, Map<String, Long> logStarts)
            throws RestoreRefusedException {
        List<String> deleted = OffsetHorizon.deleted(point.nextOffsets(), logStarts);
        if (!deleted.isEmpty()) {
            throw new RestoreRefusedException("cannot restore from epoch " + point.epoch() + " (" + point.manifestUri()
                    + "): the samples it continues from are no longer in the topic: " + String.join("; ", deleted));
        }
    }

    /** Each partition's log start offset now, by {@code "topic-partition"}; partitions that do not exist are left out. */
    static Map<String, Long> logStarts(JobConfig config, Collection<String> partitionKeys) throws IOException {
        return logStarts(
                config.get(TrainingJobOptions.KAFKA_BOOTSTRAP_SERVERS), config.kafkaClientProperties(), partitionKeys);
    }

    /**
     * The rollback's check of an artifact restore point: every sha256, the {@code resume} block, and
     * that the samples topic still holds the offsets it continues from. Reads the artifact with
     * {@code s3}; asks the brokers at {@code bootstrap} for the log start offsets.
     */
    public static ArtifactRestoreCheck rollbackCheck(
            S3Client s3, String bootstrap, Map<String, String> clientProperties) {
        return manifestUri -> {
            URI uri = URI.create(manifestUri);
            Manifest manifest = ArtifactRestorePoint.verify(new ArtifactReader(s3, uri.getHost()), uri)
                    .manifest();
            Map<String, Long> next = manifest.resume().nextOffsets();
            List<String> deleted = OffsetHorizon.deleted(next, logStarts(bootstrap, clientProperties, next.keySet()));
            if (!deleted.isEmpty()) {
                throw new RestoreRefusedException("the samples epoch " + manifest.epoch()
                        + " continues from are no longer in the topic: " + String.join("; ", deleted));
            }
            return next;
        };
    }

    private static Map<String, Long> logStarts(
            String bootstrap, Map<String, String> clientProperties, Collection<String> partitionKeys)
            throws IOException {
        Map<String, Long> out = new HashMap<>();
        try (Admin admin = KafkaClients.admin(bootstrap, clientProperties, KAFKA_TIMEOUT_MS)) {
            for (String key : partitionKeys) {
                OffsetHorizon.Partition p = OffsetHorizon.Partition.parse(key);
                TopicPartition tp = new TopicPartition(p.topic(), p.partition());
                ListOffsetsResult result = admin.listOffsets(Map.of(tp, OffsetSpec.earliest()));
                try {
                    out.put(key, result.partitionResult(tp).get().offset());
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                        throw new IOException("could not read the log start of " + key + ": " + e.getCause(), e);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while reading the log start of " + key, e);
                }
            }
        }
        return out;
    }
}
