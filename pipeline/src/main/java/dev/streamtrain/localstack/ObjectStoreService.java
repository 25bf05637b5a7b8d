package dev.streamtrain.localstack;

/** A running S3-compatible server. */
public interface ObjectStoreService extends AutoCloseable {
    S3Endpoint endpoint();

    /** Whether the server can keep object versions (s3mock, MinIO: yes; s3proxy: no). */
    boolean supportsVersioning();

    /** Whether the server refuses wrong credentials (s3proxy, MinIO: yes; s3mock: no). */
    boolean checksCredentials();

    String description();
}
