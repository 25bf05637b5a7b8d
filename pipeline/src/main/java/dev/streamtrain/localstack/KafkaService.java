package dev.streamtrain.localstack;

/** A running Kafka cluster of one broker. */
public interface KafkaService extends AutoCloseable {
    String bootstrapServers();

    /** What runs it, for the log: "embedded KRaft broker (child JVM)" or "Testcontainers Kafka". */
    String description();
}
