package dev.streamtrain.localstack;

import dev.streamtrain.store.S3Endpoint;

/** A running S3-compatible server. */
public interface ObjectStoreService extends AutoCloseable {
    S3Endpoint endpoint();

    /** Whether the server can keep object versions (s3mock, MinIO: yes; s3proxy: no). */
    boolean supportsVersioning();

    /** Whether the server refuses wrong credentials (s3proxy, MinIO: yes; s3mock: no). */
    boolean checksCredentials();

    String description();

    /** Whether {@link #kill()} and {@link #restart()} work (the child-JVM servers, not Docker). */
    default boolean restartable() {
        return false;
    }

    /**
     * Kills the S3 server without a clean shutdown, as a crash would; its data stays for {@link #restart()}.
     * Only where it runs in a child JVM (not the Docker path).
     */
    default void kill() throws Exception {
        throw new UnsupportedOperationException(description() + " cannot be killed and restarted");
    }

    /**
     * Stops the S3 server cleanly (SIGTERM), as an operator or an orchestrator would; its data stays for
     * {@link #restart()}. Outage tests use this rather than {@link #kill()} for s3mock: its file store is not
     * crash-safe, and a kill in the middle of a write leaves a truncated metadata file that it refuses to load.
     */
    default void stop() throws Exception {
        throw new UnsupportedOperationException(description() + " cannot be stopped and restarted");
    }

    /** Starts the killed S3 server again, on the same port with the same data; returns once it answers. */
    default void restart() throws Exception {
        throw new UnsupportedOperationException(description() + " cannot be killed and restarted");
    }
}
