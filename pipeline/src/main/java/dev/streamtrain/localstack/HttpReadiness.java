package dev.streamtrain.localstack;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Waits until an HTTP server answers anything at all (any status code means it is up). */
final class HttpReadiness {
    private HttpReadiness() {}

    static void await(ChildJvm server, URI endpoint, Duration timeout, String what) {
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        try {
            Await.until(timeout, 200, what + " at " + endpoint + " to answer", () -> {
                if (!server.isAlive()) {
                    throw new IllegalStateException(what + " exited:\n" + server.logTail(30));
                }
                try {
                    http.send(
                            HttpRequest.newBuilder(endpoint)
                                    .timeout(Duration.ofSeconds(2))
                                    .GET()
                                    .build(),
                            HttpResponse.BodyHandlers.discarding());
                    return true;
                } catch (IOException e) {
                    return false;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            });
        } catch (RuntimeException e) {
            try {
                server.close();
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException(
                    what + " did not start; log " + server.log() + "\n" + server.logTail(30), e);
        }
    }
}
