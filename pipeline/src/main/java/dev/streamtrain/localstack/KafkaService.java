package dev.streamtrain.localstack;

/** A running Kafka cluster of one broker. */
public interface KafkaService extends AutoCloseable {
    String bootstrapServers();

    /** What runs it, for the log: "embedded KRaft broker (child JVM)" or "Testcontainers Kafka". */
    String description();

    /** Whether {@link #kill()} and {@link #restart()} work (the child-JVM servers, not Docker). */
    default boolean restartable() {
        return false;
    }

    /**
     * Kills the Kafka broker without a clean shutdown, as a crash would; its data stays for {@link #restart()}.
     * Only where it runs in a child JVM (not the Docker path).
     */
    default void kill() throws Exception {
        throw new UnsupportedOperationException(description() + " cannot be killed and restarted");
    }

    /** Starts the killed Kafka broker again, on the same port with the same data; returns once it answers. */
    default void restart() throws Exception {
        throw new UnsupportedOperationException(description() + " cannot be killed and restarted");
    }
}
