package dev.streamtrain.localstack;

import dev.streamtrain.store.S3Endpoint;

/** A started S3-compatible server: what it offers, and how to stop it. */
record RunningObjectStore(
        S3Endpoint endpoint,
        boolean supportsVersioning,
        boolean checksCredentials,
        String description,
        AutoCloseable shutdown)
        implements ObjectStoreService {
    @Override
    public void close() throws Exception {
        shutdown.close();
    }

    @Override
    public boolean restartable() {
        return shutdown instanceof RestartableChild;
    }

    @Override
    public void kill() throws Exception {
        child().kill();
    }

    @Override
    public void stop() throws Exception {
        child().stop();
    }

    @Override
    public void restart() throws Exception {
        child().restart();
    }

    private RestartableChild child() {
        if (shutdown instanceof RestartableChild child) {
            return child;
        }
        throw new UnsupportedOperationException(description + " cannot be killed and restarted");
    }
}
