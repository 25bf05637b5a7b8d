package dev.streamtrain.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamtrain.jobs.serve.ModelServer;
import dev.streamtrain.localstack.LocalStack;
import dev.streamtrain.localstack.LocalStackExtension;
import dev.streamtrain.store.S3Clients;
import dev.streamtrain.trainer.ModelSpec;
import dev.streamtrain.trainer.TrainerState;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * `serve` against the real local Kafka and S3: 16 concurrent clients while the run commits epochs,
 * rolls back and publishes a corrupted artifact; every answer recomputed from the weights of the
 * version it names. Prints the freshness of each swap and predictions/s at batch 1 and 256.
 */
@ExtendWith(LocalStackExtension.class)
class ServeCommandTest {
    static {
        // libtorch's pools default to one thread per core; 16 concurrent predictors on 2 cores would thrash
        System.setProperty("ai.djl.pytorch.num_threads", "1");
        System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
    }

    private static final int CLIENTS = 16;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One answered request: what was asked, what came back, when. */
    private record Answer(float[][] rows, JsonNode body, long receivedNanos) {
        long epoch() {
            return body.path("epoch").asLong();
        }

        int attempt() {
            return body.path("attempt").asInt();
        }
    }

    @Test
    void swapsThroughEpochsAndARollbackUnderLoadWithoutAFailedOrMixedAnswer(LocalStack stack) throws Exception {
        try (RunEventsFixture run = new RunEventsFixture(stack);
                S3Client s3 = S3Clients.create(stack.s3())) {
            run.commit(1, 1, 1.0, 100);
            ModelServer.Settings settings = new ModelServer.Settings(
                    stack.bootstrapServers(),
                    run.topic,
                    run.key(),
                    "127.0.0.1",
                    0,
                    CLIENTS,
                    64 * 1024,
                    ModelSpec.DeviceChoice.CPU);
            try (ModelServer server = new ModelServer(settings, s3).start()) {
                String base = "http://127.0.0.1:" + server.port();
                HttpClient http = HttpClient.newBuilder()
                        .version(HttpClient.Version.HTTP_1_1)
                        .build();
                awaitStatus(http, base + "/ready", 200, Duration.ofSeconds(60));

                ConcurrentLinkedQueue<Answer> answers = new ConcurrentLinkedQueue<>();
                ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
                AtomicBoolean running = new AtomicBoolean(true);
                ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
                List<Future<?>> loops = new ArrayList<>();
                for (int c = 0; c < CLIENTS; c++) {
                    Random random = new Random(c);
                    loops.add(
                            clients.submit(() -> clientLoop(http, base, random, 8, running, answers, failures, null)));
                }

                List<String> freshness = new ArrayList<>();
                for (long epoch = 2; epoch <= 4; epoch++) {
                    run.commit(epoch, 1, 1.0 / epoch, 100);
                    long visible = System.nanoTime();
                    long e = epoch;
                    freshness.add(String.format(
                            Locale.ROOT,
                            "epoch %d: %.0f ms",
                            epoch,
                            awaitAnswer(answers, a -> a.epoch() == e && a.receivedNanos() > visible, visible) / 1e6));
                }
                run.rollBack(2, 1, 2, List.of(3L, 4L));
                long rolledBack = System.nanoTime();
                freshness.add(String.format(
                        Locale.ROOT,
                        "rollback to 2: %.0f ms",
                        awaitAnswer(
                                        answers,
                                        a -> a.epoch() == 2 && a.attempt() == 1 && a.receivedNanos() > rolledBack,
                                        rolledBack)
                                / 1e6));
                run.commit(3, 2, 0.3, 100);
                long epoch3 = System.nanoTime();
                freshness.add(String.format(
                        Locale.ROOT,
                        "epoch 3 of attempt 2: %.0f ms",
                        awaitAnswer(
                                        answers,
                                        a -> a.epoch() == 3 && a.attempt() == 2 && a.receivedNanos() > epoch3,
                                        epoch3)
                                / 1e6));

                run.commitCorrupted(4, 2);
                awaitMetric(server, "rejectedModels", 1, Duration.ofSeconds(30));
                long afterCorrupt = System.nanoTime();
                awaitAnswer(answers, a -> a.receivedNanos() > afterCorrupt, afterCorrupt);

                running.set(false);
                for (Future<?> f : loops) {
                    f.get(30, TimeUnit.SECONDS);
                }
                clients.shutdown();

                assertEquals(List.of(), List.copyOf(failures), "no request failed during the swaps");
                assertTrue(answers.size() > 100, "the clients were busy: " + answers.size() + " answers");
                int checked = 0;
                for (Answer a : answers) {
                    TrainerState weights =
                            run.weightsOf(a.body().path("modelSha256").asText());
                    assertTrue(weights != null, "an answer names a model version that was published: " + a.body());
                    JsonNode outputs = a.body().path("outputs");
                    for (int r = 0; r < a.rows().length; r++) {
                        float expected = forward(weights, a.rows()[r]);
                        float actual = (float) outputs.get(r).get(0).asDouble();
                        assertEquals(
                                expected,
                                actual,
                                1e-4f * Math.max(1f, Math.abs(expected)),
                                "row " + r
                                        + " of an answer naming epoch " + a.epoch() + " attempt " + a.attempt()
                                        + ": every row from that one version");
                        checked++;
                    }
                }
                List<Answer> last = answers.stream()
                        .filter(a -> a.receivedNanos() > afterCorrupt)
                        .toList();
                assertTrue(
                        last.stream().allMatch(a -> a.epoch() == 3 && a.attempt() == 2),
                        "the corrupted epoch 4 is never served; epoch 3 stays");
                JsonNode metrics = get(http, base + "/metrics");
                assertEquals(6, metrics.path("swaps").asInt(), "1, 2, 3, 4, back to 2, 3 of attempt 2: " + metrics);
                assertEquals(3, metrics.path("currentEpoch").asInt());
                assertEquals(1, metrics.path("rejectedModels").asInt());
                assertTrue(metrics.path("predictions").asLong() >= checked, metrics.toString());
                JsonNode model = get(http, base + "/model");
                assertEquals(2, model.path("attempt").asInt());
                assertEquals(4, model.path("modelConfig").path("inputDim").asInt());

                System.out.println(
                        "serve freshness (event visible -> first answer by the new weights, 16 clients): " + freshness);
                System.out.printf(
                        Locale.ROOT, "serve: %d answers, %d rows recomputed, 0 failed%n", answers.size(), checked);
                for (int batch : new int[] {1, 256}) {
                    System.out.printf(
                            Locale.ROOT,
                            "serve throughput at batch %d, %d clients: %.0f predictions/s%n",
                            batch,
                            CLIENTS,
                            throughput(http, base, batch, Duration.ofSeconds(3)));
                }
            }
        }
    }

    @Test
    void badInputGets400Or413AndNoModelYetGets503(LocalStack stack) throws Exception {
        try (RunEventsFixture run = new RunEventsFixture(stack);
                S3Client s3 = S3Clients.create(stack.s3())) {
            ModelServer.Settings settings = new ModelServer.Settings(
                    stack.bootstrapServers(),
                    run.topic,
                    run.key(),
                    "127.0.0.1",
                    0,
                    4,
                    4096,
                    ModelSpec.DeviceChoice.CPU);
            try (ModelServer server = new ModelServer(settings, s3).start()) {
                String base = "http://127.0.0.1:" + server.port();
                HttpClient http = HttpClient.newBuilder()
                        .version(HttpClient.Version.HTTP_1_1)
                        .build();
                assertEquals(200, send(http, base + "/health", null).statusCode());
                awaitStatus(http, base + "/ready", 503, Duration.ofSeconds(30));
                assertEquals(
                        503,
                        send(http, base + "/predict", "{\"features\": [[1,2,3,4]]}")
                                .statusCode());
                run.commit(1, 1, 1.0, 100);
                awaitStatus(http, base + "/ready", 200, Duration.ofSeconds(60));

                assertBad(http, base, "{\"features\": [[1,2,3,4]", 400, "malformed JSON");
                assertBad(http, base, "[1,2]", 400, "JSON object");
                assertBad(http, base, "{\"features\": [[1,2,3]]}", 400, "has 3 features, the model takes 4");
                assertBad(http, base, "{\"features\": [[1,2,3,4,5]]}", 400, "more than 4 features");
                assertBad(http, base, "{\"features\": [[1,2,3,1e39]]}", 400, "not a finite float32");
                assertBad(http, base, "{\"features\": [[1,2,3,NaN]]}", 400, "malformed JSON");
                assertBad(http, base, "{\"features\": [[1,2,\"x\",4]]}", 400, "expected a number");
                assertBad(http, base, "{\"features\": []}", 400, "no rows");
                assertBad(http, base, "{\"rows\": [[1,2,3,4]]}", 400, "missing \"features\"");
                assertBad(
                        http,
                        base,
                        "{\"features\": [" + "[1,2,3,4],".repeat(1000) + "[1,2,3,4]]}",
                        413,
                        "larger than 4096");
                assertEquals(405, send(http, base + "/model", "{}").statusCode());

                HttpResponse<String> ok = send(http, base + "/predict", "{\"features\": [[1,2,3,4],[0,0,0,0]]}");
                assertEquals(200, ok.statusCode(), ok.body());
                JsonNode body = JSON.readTree(ok.body());
                assertEquals(2, body.path("outputs").size());
                assertEquals(1, body.path("epoch").asInt());
                JsonNode metrics = get(http, base + "/metrics");
                assertEquals(9, metrics.path("badRequests").asInt(), metrics.toString());
                assertEquals(1, metrics.path("tooLarge").asInt(), metrics.toString());
                assertEquals(1, metrics.path("unavailable").asInt(), metrics.toString());
            }
        }
    }

    private static void assertBad(HttpClient http, String base, String body, int status, String message)
            throws Exception {
        HttpResponse<String> r = send(http, base + "/predict", body);
        assertEquals(status, r.statusCode(), r.body());
        assertTrue(JSON.readTree(r.body()).path("error").asText().contains(message), r.body());
    }

    /** y = W2 relu(W1 x + b1) + b2, from the weights alone (torch layout [out, in]). */
    private static float forward(TrainerState weights, float[] x) {
        float[] w1 = weights.parameters().get(0).values();
        float[] b1 = weights.parameters().get(1).values();
        float[] w2 = weights.parameters().get(2).values();
        float[] b2 = weights.parameters().get(3).values();
        double y = b2[0];
        for (int h = 0; h < b1.length; h++) {
            double s = b1[h];
            for (int i = 0; i < x.length; i++) {
                s += (double) w1[h * x.length + i] * x[i];
            }
            y += w2[h] * Math.max(0, s);
        }
        return (float) y;
    }

    private static void clientLoop(
            HttpClient http,
            String base,
            Random random,
            int batch,
            AtomicBoolean running,
            ConcurrentLinkedQueue<Answer> answers,
            ConcurrentLinkedQueue<String> failures,
            AtomicLong rows) {
        while (running.get()) {
            float[][] features = new float[batch][4];
            StringBuilder json = new StringBuilder("{\"features\":[");
            for (int r = 0; r < batch; r++) {
                json.append(r == 0 ? "[" : ",[");
                for (int i = 0; i < 4; i++) {
                    features[r][i] = (float) random.nextGaussian();
                    json.append(i == 0 ? "" : ",").append(features[r][i]);
                }
                json.append(']');
            }
            json.append("]}");
            try {
                HttpResponse<String> response = send(http, base + "/predict", json.toString());
                if (response.statusCode() != 200) {
                    failures.add(response.statusCode() + " " + response.body());
                } else if (answers != null) {
                    answers.add(new Answer(features, JSON.readTree(response.body()), System.nanoTime()));
                } else {
                    rows.addAndGet(batch);
                }
            } catch (Exception e) {
                failures.add(e.toString());
            }
        }
    }

    private static double throughput(HttpClient http, String base, int batch, Duration duration) throws Exception {
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong rows = new AtomicLong();
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
        List<Future<?>> loops = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int c = 0; c < CLIENTS; c++) {
            Random random = new Random(100 + c);
            loops.add(clients.submit(() -> clientLoop(http, base, random, batch, running, null, failures, rows)));
        }
        Thread.sleep(duration.toMillis()); // a measurement window, not a wait for a condition
        running.set(false);
        for (Future<?> f : loops) {
            f.get(60, TimeUnit.SECONDS);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        clients.shutdown();
        assertEquals(List.of(), List.copyOf(failures));
        return rows.get() / seconds;
    }

    /** Nanoseconds from {@code since} to the first answer matching {@code which}; fails after 30 s. */
    private static long awaitAnswer(ConcurrentLinkedQueue<Answer> answers, Predicate<Answer> which, long since)
            throws InterruptedException {
        long deadline = since + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            long first = answers.stream()
                    .filter(which)
                    .mapToLong(Answer::receivedNanos)
                    .min()
                    .orElse(Long.MAX_VALUE);
            if (first != Long.MAX_VALUE) {
                return first - since;
            }
            Thread.sleep(5);
        }
        throw new AssertionError("no answer from the expected model version within 30 s");
    }

    private static void awaitMetric(ModelServer server, String name, long value, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (((Number) server.metrics().get(name)).longValue() != value) {
            assertTrue(System.nanoTime() < deadline, name + " did not reach " + value + ": " + server.metrics());
            Thread.sleep(20);
        }
    }

    private static void awaitStatus(HttpClient http, String url, int status, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        int last;
        while ((last = send(http, url, null).statusCode()) != status) {
            assertTrue(System.nanoTime() < deadline, url + " answered " + last + ", not " + status);
            Thread.sleep(50);
        }
    }

    private static JsonNode get(HttpClient http, String url) throws Exception {
        return JSON.readTree(send(http, url, null).body());
    }

    private static HttpResponse<String> send(HttpClient http, String url, String post) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30));
        b = post == null ? b.GET() : b.POST(HttpRequest.BodyPublishers.ofString(post, StandardCharsets.UTF_8));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }
}
