package dev.streamtrain.localstack;

/** A started S3-compatible server: what it offers, and how to stop it. */
record RunningObjectStore(S3Endpoint endpoint, boolean supportsVersioning, boolean checksCredentials,
                          String description, AutoCloseable stop) implements ObjectStoreService {
    @Override
    public void close() throws Exception {
        stop.close();
    }
}
