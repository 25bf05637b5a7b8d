package dev.streamtrain.localstack;

import java.io.IOException;

/**
 * A server in a child JVM that a test can crash ({@code kill -9}) and start again with the same
 * command line — same ports, same data directory — to see what its clients make of an outage.
 */
final class RestartableChild implements AutoCloseable {
    /** Starts the process (without waiting for it to serve). */
    interface Launch {
        ChildJvm start() throws IOException;
    }

    /** Returns once the process serves; throws an unchecked exception (having closed it) when it does not. */
    interface Readiness {
        void await(ChildJvm process);
    }

    private final Launch launch;
    private final Readiness readiness;
    private volatile ChildJvm current;

    private RestartableChild(Launch launch, Readiness readiness) {
        this.launch = launch;
        this.readiness = readiness;
    }

    /** Starts the server and returns once it serves. */
    static RestartableChild start(Launch launch, Readiness readiness) throws IOException {
        RestartableChild child = new RestartableChild(launch, readiness);
        child.current = launch.start();
        readiness.await(child.current);
        return child;
    }

    long pid() {
        return current.pid();
    }

    /** Kills the process without a clean shutdown, as a crash would; its data stays. */
    void kill() throws InterruptedException {
        current.kill();
    }

    /** Stops the process cleanly (SIGTERM, then a kill after 20 s); its data stays. */
    void stop() throws InterruptedException {
        current.close();
    }

    /** Starts the killed server again; returns once it serves. */
    void restart() throws IOException {
        if (current.isAlive()) {
            throw new IllegalStateException(current + " is still running: kill it first");
        }
        current = launch.start();
        readiness.await(current);
    }

    @Override
    public void close() throws InterruptedException {
        current.close();
    }

    @Override
    public String toString() {
        return current.toString();
    }
}
