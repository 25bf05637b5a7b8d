package dev.streamtrain.localstack;

import dev.streamtrain.store.S3Endpoint;

/** A started S3-compatible server: what it offers, and how to stop it. */
record RunningObjectStore(S3Endpoint endpoint, boolean supportsVersioning, boolean checksCredentials,
                          String description, AutoCloseable stop) implements ObjectStoreService {
    @Override
    public void close() throws Exception {
        stop.close();
    }

    @Override
    public boolean restartable() {
        return stop instanceof RestartableChild;
    }

    @Override
    public void kill() throws Exception {
        child().kill();
    }

    @Override
    public void restart() throws Exception {
        child().restart();
    }

    private RestartableChild child() {
        if (stop instanceof RestartableChild child) {
            return child;
        }
        throw new UnsupportedOperationException(description + " cannot be killed and restarted");
    }
}
