package dev.streamtrain.jobs.cli;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;

/** Whether a service's port still accepts connections: the check that a stopped command left nothing listening. */
final class Listening {
    private static final int CONNECT_TIMEOUT_MILLIS = 2_000;

    private Listening() {}

    /** {@code host:port}, as Kafka's bootstrap servers are written. */
    static boolean hostPort(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        return accepts(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
    }

    /** An http:// URL with an explicit port, as the S3 endpoint and the REST URL are written. */
    static boolean url(String url) {
        URI uri = URI.create(url);
        return accepts(uri.getHost(), uri.getPort());
    }

    private static boolean accepts(String host, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), CONNECT_TIMEOUT_MILLIS);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
