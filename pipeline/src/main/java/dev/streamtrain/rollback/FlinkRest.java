package dev.streamtrain.rollback;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * The few calls of Flink's REST API a rollback needs (documented at
 * nightlies.apache.org/flink/flink-docs-release-2.2/docs/ops/rest_api/): a job's state and global
 * parameters, cancel-with-savepoint, and submitting an uploaded jar from a savepoint or retained
 * checkpoint. Jar upload and run need {@code web.submit.enable: true} (the default).
 */
public final class FlinkRest implements FlinkJobs {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final String baseUrl;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public FlinkRest(String baseUrl) {
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    }

    @Override
    public String baseUrl() {
        return baseUrl;
    }

    /** {@code GET /jobs/:jobid}; empty when the cluster does not know the job. */
    public Optional<JsonNode> job(String jobId) throws IOException {
        return get("/jobs/" + jobId);
    }

    /** The job's state (RUNNING, CANCELED, …); empty when the cluster does not know the job. */
    @Override
    public Optional<String> state(String jobId) throws IOException {
        return job(jobId).map(j -> j.path("state").asText());
    }

    /** Ids of the jobs named {@code name} that are not in a terminal state ({@code GET /jobs/overview}). */
    @Override
    public List<String> activeJobsNamed(String name) throws IOException {
        List<String> ids = new ArrayList<>();
        for (JsonNode j : get("/jobs/overview").map(o -> o.path("jobs")).orElse(JSON.createArrayNode())) {
            if (name.equals(j.path("name").asText())
                    && !TERMINAL.contains(j.path("state").asText())) {
                ids.add(j.path("jid").asText());
            }
        }
        return ids;
    }

    /** The job's global job parameters ({@code GET /jobs/:jobid/config}, {@code execution-config.user-config}). */
    @Override
    public Optional<Map<String, String>> globalParameters(String jobId) throws IOException {
        return get("/jobs/" + jobId + "/config").map(c -> {
            Map<String, String> out = new LinkedHashMap<>();
            c.path("execution-config")
                    .path("user-config")
                    .fields()
                    .forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
            return out;
        });
    }

    /** A key of the JobManager's configuration ({@code GET /jobmanager/config}). */
    @Override
    public Optional<String> clusterConfig(String key) throws IOException {
        Optional<JsonNode> all = get("/jobmanager/config");
        if (all.isPresent()) {
            for (JsonNode kv : all.get()) {
                if (key.equals(kv.path("key").asText())) {
                    return Optional.of(kv.path("value").asText());
                }
            }
        }
        return Optional.empty();
    }

    /**
     * Takes a savepoint into {@code targetDirectory} and cancels the job once it completes; returns
     * the savepoint's path. Cancelling (not {@code stop}) keeps the job's retained checkpoints:
     * Flink deletes them when a job FINISHES, which is how stop-with-savepoint ends.
     */
    @Override
    public String cancelWithSavepoint(String jobId, String targetDirectory, Duration timeout)
            throws IOException, InterruptedException {
        ObjectNode body =
                JSON.createObjectNode().put("target-directory", targetDirectory).put("cancel-job", true);
        String trigger = send("POST", "/jobs/" + jobId + "/savepoints", body)
                .path("request-id")
                .asText();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            JsonNode status = get("/jobs/" + jobId + "/savepoints/" + trigger)
                    .orElseThrow(() -> new IOException("the savepoint of job " + jobId + " is unknown to the cluster"));
            if ("COMPLETED".equals(status.path("status").path("id").asText())) {
                JsonNode op = status.path("operation");
                if (op.hasNonNull("location")) {
                    return op.get("location").asText();
                }
                throw new IOException("the savepoint of job " + jobId + " failed: "
                        + op.path("failure-cause")
                                .path("stack-trace")
                                .asText(op.toString())
                                .lines()
                                .findFirst()
                                .orElse(""));
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("the savepoint of job " + jobId + " did not complete within " + timeout);
            }
            Thread.sleep(200);
        }
    }

    /** Waits until the job is in one of {@code states}; returns the state. */
    @Override
    public String awaitState(String jobId, Set<String> states, Duration timeout)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String state = null;
        while (System.nanoTime() < deadline) {
            state = state(jobId).orElse(null);
            if (states.contains(state)) {
                return state;
            }
            Thread.sleep(200);
        }
        throw new IOException(
                "job " + jobId + " did not reach " + states + " within " + timeout + " (it is " + state + ")");
    }

    /** {@code POST /jars/upload}; returns the jar id. */
    @Override
    public String uploadJar(Path jar) throws IOException, InterruptedException {
        String boundary = "streamtrain-" + UUID.randomUUID();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"jarfile\"; filename=\""
                        + jar.getFileName() + "\"\r\nContent-Type: application/x-java-archive\r\n\r\n")
                .getBytes(StandardCharsets.UTF_8));
        body.write(Files.readAllBytes(jar));
        body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl + "/jars/upload"))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()))
                .build();
        String file = check(request, exchange(request)).path("filename").asText();
        return file.substring(file.lastIndexOf('/') + 1);
    }

    /**
     * {@code POST /jars/:jarid/run}: runs the jar's {@code entryClass} with {@code args} on the
     * JobManager, restoring {@code restorePath} (a savepoint or a retained checkpoint), as job
     * {@code jobId}. Returns the job id.
     */
    @Override
    public String runJar(String jarId, String entryClass, List<String> args, String restorePath, String jobId)
            throws IOException, InterruptedException {
        ObjectNode body = JSON.createObjectNode()
                .put("entryClass", entryClass)
                .put("jobId", jobId)
                .put("savepointPath", restorePath)
                .put("allowNonRestoredState", false);
        args.forEach(body.putArray("programArgsList")::add);
        return send("POST", "/jars/" + jarId + "/run", body).path("jobid").asText();
    }

    @Override
    public void deleteJar(String jarId) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl + "/jars/" + jarId))
                .DELETE()
                .build();
        check(request, exchange(request));
    }

    /** {@code GET path}; empty on 404. */
    public Optional<JsonNode> get(String path) throws IOException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl + path))
                .timeout(Duration.ofSeconds(10))
                .GET()
                .build();
        try {
            HttpResponse<String> r = exchange(request);
            return r.statusCode() == 404 ? Optional.empty() : Optional.of(check(request, r));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private JsonNode send(String method, String path, JsonNode body) throws IOException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl + path))
                .timeout(Duration.ofMinutes(2))
                .header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(body.toString()))
                .build();
        try {
            return check(request, exchange(request));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private HttpResponse<String> exchange(HttpRequest request) throws IOException, InterruptedException {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException e) {
            throw new IOException(
                    "Flink's REST API at " + baseUrl + " is unreachable: is the cluster up? (--rest-url)", e);
        }
    }

    private static JsonNode check(HttpRequest request, HttpResponse<String> r) throws IOException {
        JsonNode body = r.body().isBlank() ? JSON.createObjectNode() : JSON.readTree(r.body());
        if (r.statusCode() / 100 != 2) {
            String errors =
                    body.path("errors").isArray() && !body.path("errors").isEmpty()
                            ? body.path("errors")
                                    .get(0)
                                    .asText()
                                    .lines()
                                    .limit(3)
                                    .reduce((a, b) -> a + " | " + b)
                                    .orElse("")
                            : r.body();
            throw new IOException(
                    request.method() + " " + request.uri().getPath() + " answered " + r.statusCode() + ": " + errors);
        }
        return body;
    }
}
