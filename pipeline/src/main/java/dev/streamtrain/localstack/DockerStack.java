package dev.streamtrain.localstack;

import dev.streamtrain.store.S3Endpoint;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Paths;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.MinIOContainer;
import org.testcontainers.kafka.KafkaContainer;

/**
 * The Testcontainers path: Kafka (apache/kafka, KRaft) and MinIO in Docker. Only loaded when a
 * Docker engine answers, so the Testcontainers classes are optional everywhere else.
 */
final class DockerStack {
    static final String KAFKA_IMAGE = "apache/kafka:4.1.1";
    static final String MINIO_IMAGE = "minio/minio:RELEASE.2025-07-23T15-54-02Z";

    private DockerStack() {}

    /** Cheap checks first: no socket and no DOCKER_HOST means no engine, without Testcontainers' probing. */
    static boolean available() {
        boolean hint = System.getenv("DOCKER_HOST") != null || Files.exists(Paths.get("/var/run/docker.sock"));
        if (!hint) {
            return false;
        }
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (Throwable e) { // NoClassDefFoundError when Testcontainers is not on the classpath
            return false;
        }
    }

    static KafkaService kafka() {
        KafkaContainer kafka = new KafkaContainer(KAFKA_IMAGE)
                .withEnv("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "1")
                .withEnv("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "1");
        kafka.start();
        return new KafkaService() {
            @Override
            public String bootstrapServers() {
                return kafka.getBootstrapServers();
            }

            @Override
            public String description() {
                return "Testcontainers Kafka (" + KAFKA_IMAGE + ")";
            }

            @Override
            public void close() {
                kafka.stop();
            }
        };
    }

    static ObjectStoreService minio(S3Credentials credentials) {
        MinIOContainer minio = new MinIOContainer(MINIO_IMAGE)
                .withUserName(credentials.accessKey())
                .withPassword(credentials.secretKey());
        minio.start();
        S3Endpoint endpoint = new S3Endpoint(
                URI.create(minio.getS3URL()), credentials.accessKey(), credentials.secretKey(), credentials.region());
        return new RunningObjectStore(
                endpoint,
                true,
                true,
                "Testcontainers MinIO (" + MINIO_IMAGE + ") at " + endpoint.endpoint(),
                minio::stop);
    }
}
