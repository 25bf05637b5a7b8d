package dev.streamtrain.jobs.serve;

import ai.djl.translate.TranslateException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP JSON API of {@code ./streamtrain serve}, on the JDK's HTTP server: {@code POST /predict},
 * {@code GET /model}, {@code GET /health} (the process is up), {@code GET /ready} (a model is loaded
 * and the event history replayed), {@code GET /metrics}. Each request handles exactly one {@link
 * ServedModel}, retained from the {@link ModelSlot} for its duration.
 */
final class PredictionServer implements AutoCloseable {
    static {
        // The JDK server writes headers and body separately; without TCP_NODELAY, Nagle's algorithm
        // and the client's delayed ACK stall every small response by ~40 ms. Read once, when the
        // first server is created, so it is set here (a -D on the command line still wins).
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(PredictionServer.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final ExecutorService threads;
    private final ModelSlot slot;
    private final ServeMetrics metrics;
    private final ModelFollower follower;
    private final int maxBodyBytes;

    PredictionServer(
            InetSocketAddress address,
            int threadCount,
            int maxBodyBytes,
            ModelSlot slot,
            ServeMetrics metrics,
            ModelFollower follower)
            throws IOException {
        this.slot = slot;
        this.metrics = metrics;
        this.follower = follower;
        this.maxBodyBytes = maxBodyBytes;
        this.server = HttpServer.create(address, 256);
        this.threads = Executors.newFixedThreadPool(threadCount, r -> {
            Thread t = new Thread(r, "serve-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(threads);
        server.createContext("/predict", e -> handle(e, "POST", this::predict));
        server.createContext("/model", e -> handle(e, "GET", this::model));
        server.createContext("/health", e -> handle(e, "GET", x -> respond(x, 200, Map.of("status", "up"))));
        server.createContext("/ready", e -> handle(e, "GET", this::ready));
        server.createContext("/metrics", e -> handle(e, "GET", x -> respond(x, 200, metrics.snapshot(slot))));
    }

    void start() {
        server.start();
    }

    /** The port bound (useful with port 0). */
    int port() {
        return server.getAddress().getPort();
    }

    private interface Handler {
        void handle(HttpExchange exchange) throws IOException;
    }

    private void handle(HttpExchange exchange, String method, Handler handler) throws IOException {
        metrics.requests.increment();
        try {
            if (!exchange.getRequestMethod().equals(method)) {
                exchange.getResponseHeaders().add("Allow", method);
                respond(exchange, 405, error(exchange.getRequestMethod() + " is not allowed here; use " + method));
                return;
            }
            handler.handle(exchange);
        } catch (PredictRequest.BadRequest e) {
            metrics.badRequests.increment();
            respond(exchange, 400, error(e.getMessage()));
        } catch (IOException e) {
            metrics.errors.increment();
            LOG.warn("{} {}: {}", exchange.getRequestMethod(), exchange.getRequestURI(), e.toString());
        } catch (RuntimeException e) {
            metrics.errors.increment();
            LOG.error("{} {} failed", exchange.getRequestMethod(), exchange.getRequestURI(), e);
            respond(exchange, 500, error("internal error: " + e));
        } finally {
            exchange.close();
        }
    }

    private void predict(HttpExchange exchange) throws IOException {
        long t0 = System.nanoTime();
        byte[] body = readBody(exchange);
        if (body == null) {
            metrics.tooLarge.increment();
            respond(exchange, 413, error("the body is larger than " + maxBodyBytes + " bytes (--max-body-bytes)"));
            return;
        }
        ServedModel served = slot.acquire();
        if (served == null) {
            metrics.unavailable.increment();
            respond(exchange, 503, error("no model loaded yet: waiting for a committed epoch"));
            return;
        }
        try {
            PredictRequest request =
                    PredictRequest.parse(body, served.model.spec().inputDim());
            float[] outputs;
            try {
                outputs = served.model.predict(request.features, request.rows);
            } catch (TranslateException e) {
                throw new IllegalStateException("the model could not answer: " + e.getMessage(), e);
            }
            int width = served.model.spec().outputDim();
            float[][] rows = new float[request.rows][];
            for (int r = 0; r < request.rows; r++) {
                rows[r] = Arrays.copyOfRange(outputs, r * width, (r + 1) * width);
            }
            Map<String, Object> response = new LinkedHashMap<>();
            response.put("outputs", rows);
            response.put("epoch", served.epoch);
            response.put("attempt", served.attempt);
            response.put("modelSha256", served.modelSha256);
            metrics.recordPrediction(request.rows, System.nanoTime() - t0);
            respond(exchange, 200, response);
        } finally {
            served.release();
        }
    }

    private void model(HttpExchange exchange) throws IOException {
        ServedModel served = slot.acquire();
        if (served == null) {
            respond(exchange, 503, error("no model loaded yet"));
            return;
        }
        try {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("experiment", served.manifest.experiment());
            m.put("run", served.manifest.run());
            m.put("model", served.manifest.model());
            m.put("epoch", served.epoch);
            m.put("attempt", served.attempt);
            m.put("modelSha256", served.modelSha256);
            m.put("manifestUri", served.manifestUri);
            m.put("modelConfig", served.manifest.modelConfig());
            m.put("metrics", served.manifest.metrics());
            m.put("loadedAt", served.loadedAt.toString());
            respond(exchange, 200, m);
        } finally {
            served.release();
        }
    }

    private void ready(HttpExchange exchange) throws IOException {
        boolean loaded = slot.peek() != null;
        boolean ready = loaded && follower.caughtUp() && follower.failure() == null;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ready", ready);
        m.put("modelLoaded", loaded);
        m.put("eventsReplayed", follower.caughtUp());
        m.put("following", follower.failure() == null);
        respond(exchange, ready ? 200 : 503, m);
    }

    /** The body, or null when it is larger than the limit (checked on the declared length first, then on the bytes). */
    private byte[] readBody(HttpExchange exchange) throws IOException {
        String declared = exchange.getRequestHeaders().getFirst("Content-Length");
        if (declared != null) {
            try {
                if (Long.parseLong(declared.trim()) > maxBodyBytes) {
                    return null;
                }
            } catch (NumberFormatException e) {
                throw new PredictRequest.BadRequest("Content-Length is not a number: " + declared);
            }
        }
        try (InputStream in = exchange.getRequestBody()) {
            byte[] body = in.readNBytes(maxBodyBytes + 1);
            return body.length > maxBodyBytes ? null : body;
        }
    }

    private static Map<String, Object> error(String message) {
        return Map.of("error", message);
    }

    private static void respond(HttpExchange exchange, int status, Object body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(1);
        threads.shutdown();
        try {
            threads.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
