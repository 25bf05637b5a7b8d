package dev.streamtrain.localstack;

import dev.streamtrain.store.S3Clients;
import dev.streamtrain.store.S3Endpoint;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketVersioningStatus;

/**
 * One Kafka broker and one S3-compatible server on loopback, for tests and the local mode.
 *
 * <p>Chooses Testcontainers (Kafka, MinIO) where a Docker engine answers, else the embedded child
 * JVMs; {@code STREAMTRAIN_STACK=embedded|docker} (env) or {@code -Dstreamtrain.stack=} forces one.
 * Logs which it chose. {@link #close()} stops everything it started.
 */
public final class LocalStack implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LocalStack.class);

    private final KafkaService kafka;
    private final ObjectStoreService s3;
    private final String bucket;
    private final List<AutoCloseable> started;
    private final long kafkaStartMillis;
    private final long s3StartMillis;

    private LocalStack(
            KafkaService kafka,
            ObjectStoreService s3,
            String bucket,
            List<AutoCloseable> started,
            long kafkaStartMillis,
            long s3StartMillis) {
        this.kafka = kafka;
        this.s3 = s3;
        this.bucket = bucket;
        this.started = started;
        this.kafkaStartMillis = kafkaStartMillis;
        this.s3StartMillis = s3StartMillis;
    }

    /**
     * Starts the stack and creates {@code bucket} (with versioning enabled where the server keeps
     * versions, as store.versioned needs) for the artifacts, and {@link #checkpointBucket()} without
     * versioning for Flink's checkpoints.
     */
    public static LocalStack start(Path workDir, String bucket) throws Exception {
        boolean docker = useDocker();
        S3Credentials credentials = S3Credentials.local();
        // Both services start at once: each spends seconds in JVM/container start-up.
        CompletableFuture<Timed<KafkaService>> kafka = CompletableFuture.supplyAsync(
                () -> Timed.of(() -> docker ? DockerStack.kafka() : EmbeddedKafka.start(workDir)));
        CompletableFuture<Timed<ObjectStoreService>> s3 = CompletableFuture.supplyAsync(() ->
                Timed.of(() -> docker ? DockerStack.minio(credentials) : S3MockServer.start(workDir, credentials)));
        List<AutoCloseable> started = new ArrayList<>();
        try {
            CompletableFuture.allOf(kafka, s3).exceptionally(e -> null).join();
            kafka.thenAccept(t -> started.add(t.value()));
            s3.thenAccept(t -> started.add(t.value()));
            Timed<KafkaService> k = kafka.join();
            Timed<ObjectStoreService> o = s3.join();
            LOG.info(
                    "local stack: Kafka = {} ready in {} ms; S3 = {} ready in {} ms",
                    k.value().description(),
                    k.millis(),
                    o.value().description(),
                    o.millis());
            createBucket(o.value(), bucket, true);
            createBucket(o.value(), checkpointBucketOf(bucket), false);
            return new LocalStack(k.value(), o.value(), bucket, started, k.millis(), o.millis());
        } catch (CompletionException e) {
            closeAll(started);
            throw e.getCause() instanceof Exception cause ? cause : e;
        } catch (RuntimeException | Error e) {
            closeAll(started);
            throw e;
        }
    }

    private static boolean useDocker() {
        String forced = System.getProperty("streamtrain.stack", System.getenv("STREAMTRAIN_STACK"));
        if (forced != null && !forced.isBlank() && !forced.equalsIgnoreCase("auto")) {
            switch (forced.toLowerCase(Locale.ROOT)) {
                case "docker":
                    return true;
                case "embedded":
                    return false;
                default:
                    throw new IllegalArgumentException(
                            "STREAMTRAIN_STACK must be auto, embedded or docker, not '" + forced + "'");
            }
        }
        boolean docker = DockerStack.available();
        LOG.info(
                "local stack: {}",
                docker
                        ? "a Docker engine answers: using Testcontainers Kafka and MinIO"
                        : "no Docker engine: using the embedded Kafka broker and s3mock (child JVMs)");
        return docker;
    }

    /** Creates a bucket; versioning is switched on where the server supports it and {@code versioned}. */
    public static void createBucket(ObjectStoreService s3, String bucket, boolean versioned) {
        try (S3Client client = S3Clients.create(s3.endpoint())) {
            client.createBucket(b -> b.bucket(bucket));
            if (versioned && s3.supportsVersioning()) {
                client.putBucketVersioning(
                        b -> b.bucket(bucket).versioningConfiguration(v -> v.status(BucketVersioningStatus.ENABLED)));
            }
        }
    }

    /**
     * The unversioned bucket for Flink's checkpoints: Flink deletes a discarded checkpoint's files
     * and then its chk-N folder, and s3mock keeps listing objects deleted in a versioned bucket, so
     * in the versioned bucket every discard fails with "Directory …/chk-N is not empty".
     */
    public static String checkpointBucketOf(String bucket) {
        return bucket + "-checkpoints";
    }

    /** Unversioned; {@link #checkpointBucketOf}. */
    public String checkpointBucket() {
        return checkpointBucketOf(bucket);
    }

    public String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    public S3Endpoint s3() {
        return s3.endpoint();
    }

    public ObjectStoreService objectStore() {
        return s3;
    }

    public KafkaService kafka() {
        return kafka;
    }

    /** Wall time from start to "answers requests", for the Kafka broker. */
    public long kafkaStartMillis() {
        return kafkaStartMillis;
    }

    /** Wall time from start to "answers requests", for the S3 server. */
    public long s3StartMillis() {
        return s3StartMillis;
    }

    /** The bucket created at start (versioned where the server supports it). */
    public String bucket() {
        return bucket;
    }

    @Override
    public void close() {
        closeAll(started);
    }

    private static void closeAll(List<AutoCloseable> started) {
        for (int i = started.size() - 1; i >= 0; i--) {
            try {
                started.get(i).close();
            } catch (Exception e) {
                LOG.warn("stopping {} failed", started.get(i), e);
            }
        }
        started.clear();
    }
}
