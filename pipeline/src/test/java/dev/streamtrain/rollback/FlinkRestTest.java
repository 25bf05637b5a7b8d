package dev.streamtrain.rollback;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link FlinkRest} against a stub of Flink's REST API that answers what Flink 2.2 answers and records the requests. */
class FlinkRestTest {
    private static final String JOB = "a1b2c3d4e5f60718293a4b5c6d7e8f90";
    private static final ObjectMapper JSON = new ObjectMapper();

    private record Request(String method, String path, byte[] body, String contentType) {
        JsonNode json() throws IOException {
            return JSON.readTree(body);
        }
    }

    private record Answer(int status, String body) {}

    private HttpServer server;
    private FlinkRest rest;
    /** "METHOD /path" → the answers, in turn; the last one repeats. */
    private final Map<String, Deque<Answer>> answers = new HashMap<>();

    private final List<Request> requests = Collections.synchronizedList(new ArrayList<>());

    @BeforeEach
    void startStub() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::answer);
        server.start();
        rest = new FlinkRest("http://127.0.0.1:" + server.getAddress().getPort() + "/");
    }

    @AfterEach
    void stopStub() {
        server.stop(0);
    }

    private void on(String methodAndPath, int status, String body) {
        answers.computeIfAbsent(methodAndPath, k -> new ArrayDeque<>()).add(new Answer(status, body));
    }

    private void answer(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getRawPath()
                + (exchange.getRequestURI().getRawQuery() == null
                        ? ""
                        : "?" + exchange.getRequestURI().getRawQuery());
        requests.add(new Request(
                exchange.getRequestMethod(),
                path,
                exchange.getRequestBody().readAllBytes(),
                exchange.getRequestHeaders().getFirst("Content-Type")));
        Deque<Answer> queue = answers.get(exchange.getRequestMethod() + " " + path);
        Answer a = queue == null
                ? new Answer(404, "{\"errors\":[\"Not found: " + path + "\"]}")
                : queue.size() > 1 ? queue.poll() : queue.peek();
        byte[] body = a.body().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(a.status(), body.length == 0 ? -1 : body.length);
        exchange.getResponseBody().write(body);
        exchange.close();
    }

    @Test
    void theBaseUrlLosesItsTrailingSlash() {
        assertEquals("http://127.0.0.1:" + server.getAddress().getPort(), rest.baseUrl());
    }

    @Test
    void activeJobsAreThoseOfTheNameThatAreNotTerminal() throws Exception {
        on(
                "GET /jobs/overview",
                200,
                "{\"jobs\":[{\"jid\":\"j1\",\"name\":\"streamtrain e/r/m\",\"state\":\"RUNNING\"},"
                        + "{\"jid\":\"j2\",\"name\":\"streamtrain e/r/m\",\"state\":\"CANCELED\"},"
                        + "{\"jid\":\"j3\",\"name\":\"streamtrain e/r/m\",\"state\":\"RESTARTING\"},"
                        + "{\"jid\":\"j4\",\"name\":\"streamtrain e/r/other\",\"state\":\"RUNNING\"}]}");
        assertEquals(List.of("j1", "j3"), rest.activeJobsNamed("streamtrain e/r/m"));
    }

    @Test
    void aJobsStateAndParametersOrEmptyWhenTheClusterDoesNotKnowIt() throws Exception {
        on("GET /jobs/" + JOB, 200, "{\"jid\":\"" + JOB + "\",\"state\":\"RUNNING\"}");
        on(
                "GET /jobs/" + JOB + "/config",
                200,
                "{\"jid\":\"" + JOB + "\",\"execution-config\":{\"user-config\":"
                        + "{\"kafka.topic\":\"samples\",\"s3.secret-key\":\"******\"}}}");
        assertEquals(Optional.of("RUNNING"), rest.state(JOB));
        assertEquals(
                Optional.of(Map.of("kafka.topic", "samples", "s3.secret-key", "******")), rest.globalParameters(JOB));
        assertEquals(Optional.empty(), rest.state("ffffffffffffffffffffffffffffffff"));
        assertEquals(Optional.empty(), rest.globalParameters("ffffffffffffffffffffffffffffffff"));
    }

    @Test
    void oneKeyOfTheJobManagersConfiguration() throws Exception {
        on(
                "GET /jobmanager/config",
                200,
                "[{\"key\":\"rest.port\",\"value\":\"8081\"},"
                        + "{\"key\":\"execution.checkpointing.savepoint-dir\",\"value\":\"s3://b/savepoints\"}]");
        assertEquals(Optional.of("s3://b/savepoints"), rest.clusterConfig("execution.checkpointing.savepoint-dir"));
        assertEquals(Optional.empty(), rest.clusterConfig("state.backend.type"));
    }

    @Test
    void cancelWithSavepointTriggersWithCancelJobAndPollsUntilTheLocation() throws Exception {
        on("POST /jobs/" + JOB + "/savepoints", 202, "{\"request-id\":\"trigger-1\"}");
        on("GET /jobs/" + JOB + "/savepoints/trigger-1", 200, "{\"status\":{\"id\":\"IN_PROGRESS\"}}");
        on(
                "GET /jobs/" + JOB + "/savepoints/trigger-1",
                200,
                "{\"status\":{\"id\":\"COMPLETED\"},\"operation\":{\"location\":\"s3://b/sp/savepoint-a1b2c3-0001\"}}");
        assertEquals(
                "s3://b/sp/savepoint-a1b2c3-0001", rest.cancelWithSavepoint(JOB, "s3://b/sp", Duration.ofSeconds(10)));
        JsonNode trigger = requests.get(0).json();
        assertEquals("s3://b/sp", trigger.path("target-directory").asText());
        assertTrue(trigger.path("cancel-job").asBoolean(), "cancel, not stop: " + trigger);
        assertEquals(3, requests.size(), "triggered, then polled until completed");
    }

    @Test
    void aFailedSavepointSaysWhyInOneLine() throws Exception {
        on("POST /jobs/" + JOB + "/savepoints", 202, "{\"request-id\":\"trigger-2\"}");
        on(
                "GET /jobs/" + JOB + "/savepoints/trigger-2",
                200,
                "{\"status\":{\"id\":\"COMPLETED\"},\"operation\":{"
                        + "\"failure-cause\":{\"class\":\"java.util.concurrent.CompletionException\",\"stack-trace\":"
                        + "\"org.apache.flink.runtime.checkpoint.CheckpointException: Task is not running\\n\\tat org.apache.flink.X\"}}}");
        IOException e = assertThrows(
                IOException.class, () -> rest.cancelWithSavepoint(JOB, "s3://b/sp", Duration.ofSeconds(10)));
        assertEquals(
                "the savepoint of job " + JOB
                        + " failed: org.apache.flink.runtime.checkpoint.CheckpointException: Task is " + "not running",
                e.getMessage());
    }

    @Test
    void aSavepointThatDoesNotCompleteInTimeIsAnError() {
        on("POST /jobs/" + JOB + "/savepoints", 202, "{\"request-id\":\"trigger-3\"}");
        on("GET /jobs/" + JOB + "/savepoints/trigger-3", 200, "{\"status\":{\"id\":\"IN_PROGRESS\"}}");
        IOException e = assertThrows(
                IOException.class, () -> rest.cancelWithSavepoint(JOB, "s3://b/sp", Duration.ofMillis(300)));
        assertEquals("the savepoint of job " + JOB + " did not complete within PT0.3S", e.getMessage());
    }

    @Test
    void anErrorAnswerNamesTheCallAndFlinksFirstError() {
        on(
                "POST /jobs/" + JOB + "/savepoints",
                500,
                "{\"errors\":[\"Internal server error.\\nline 2\\nline 3\\nline 4\"]}");
        IOException e = assertThrows(
                IOException.class, () -> rest.cancelWithSavepoint(JOB, "s3://b/sp", Duration.ofSeconds(1)));
        assertEquals(
                "POST /jobs/" + JOB + "/savepoints answered 500: Internal server error. | line 2 | line 3",
                e.getMessage());
    }

    @Test
    void awaitStateReturnsTheStateReachedOrSaysWhereTheJobIs() throws Exception {
        on("GET /jobs/" + JOB, 200, "{\"state\":\"CANCELLING\"}");
        on("GET /jobs/" + JOB, 200, "{\"state\":\"CANCELED\"}");
        assertEquals("CANCELED", rest.awaitState(JOB, FlinkJobs.TERMINAL, Duration.ofSeconds(10)));
        IOException e =
                assertThrows(IOException.class, () -> rest.awaitState(JOB, Set.of("RUNNING"), Duration.ofMillis(300)));
        assertEquals("job " + JOB + " did not reach [RUNNING] within PT0.3S (it is CANCELED)", e.getMessage());
    }

    @Test
    void aJarIsUploadedAsMultipartRunFromARestorePointAndDeleted(@TempDir Path dir) throws Exception {
        Path jar = Files.write(dir.resolve("job.jar"), new byte[] {'P', 'K', 3, 4, 0, (byte) 0xff});
        on("POST /jars/upload", 200, "{\"filename\":\"/tmp/flink-web-upload/4f2c_job.jar\",\"status\":\"success\"}");
        on("POST /jars/4f2c_job.jar/run", 200, "{\"jobid\":\"" + JOB + "\"}");
        on("DELETE /jars/4f2c_job.jar", 200, "");
        String jarId = rest.uploadJar(jar);
        assertEquals("4f2c_job.jar", jarId);
        assertEquals(JOB, rest.runJar(jarId, "dev.test.Job", List.of("--run.attempt", "2"), "s3://b/cp/x/chk-6", JOB));
        rest.deleteJar(jarId);

        Request upload = requests.get(0);
        assertTrue(upload.contentType().startsWith("multipart/form-data; boundary="), upload.contentType());
        String multipart = new String(upload.body(), StandardCharsets.ISO_8859_1);
        assertTrue(multipart.contains("name=\"jarfile\"; filename=\"job.jar\""), multipart);
        int start = multipart.indexOf("\r\n\r\n") + 4;
        assertArrayEquals(
                Files.readAllBytes(jar),
                multipart.substring(start, start + 6).getBytes(StandardCharsets.ISO_8859_1),
                "the jar's bytes, unchanged");
        JsonNode run = requests.get(1).json();
        assertEquals("dev.test.Job", run.path("entryClass").asText());
        assertEquals(JOB, run.path("jobId").asText());
        assertEquals("s3://b/cp/x/chk-6", run.path("savepointPath").asText());
        assertEquals(false, run.path("allowNonRestoredState").asBoolean(true));
        assertEquals("[\"--run.attempt\",\"2\"]", run.path("programArgsList").toString());
        assertEquals("DELETE", requests.get(2).method());
    }

    @Test
    void anUnreachableApiSaysSoAndNamesTheOption() throws IOException {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        FlinkRest nowhere = new FlinkRest("http://127.0.0.1:" + closedPort);
        IOException e = assertThrows(IOException.class, () -> nowhere.activeJobsNamed("streamtrain e/r/m"));
        assertEquals(
                "Flink's REST API at http://127.0.0.1:" + closedPort
                        + " is unreachable: is the cluster up? (--rest-url)",
                e.getMessage());
    }
}
