package dev.streamtrain.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamtrain.jobs.cluster.FlinkCluster;
import dev.streamtrain.jobs.cluster.LocalStackProcess;
import dev.streamtrain.localstack.LocalStack;
import dev.streamtrain.localstack.S3Credentials;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;

/**
 * {@code ./streamtrain cluster start --local-stack}, {@code cluster status}, {@code flink list}
 * and {@code cluster stop} as a user runs them, through the launcher after {@code package}: each
 * a separate JVM, the cluster folder found through {@code STREAMTRAIN_CLUSTER_DIR} as the
 * {@code flink} command needs it. Stop leaves no process of the cluster (nor of its local stack)
 * alive and no pid file behind.
 */
class ClusterCommandIT {
    private static final Duration TIMEOUT = Duration.ofMinutes(3);
    private static final Set<String> PROCESSES = Set.of("jobmanager", "taskmanager-1", LocalStackProcess.NAME);

    @Test
    void startStatusFlinkListStopAndStatusAgain() throws Exception {
        // under target/ (the build's file system): lib/ is hard-linked from cluster-lib, not copied
        Path dir = Launched.home().resolve("jobs").resolve("target").resolve("it-cli-cluster");
        Map<String, String> env = Map.of("STREAMTRAIN_CLUSTER_DIR", dir.toString());
        try {
            Launched start = Launched.run(TIMEOUT, env, "cluster", "start", "--local-stack");
            assertEquals(0, start.exit(), start.err());
            JsonNode started = single(start.out());
            String restUrl = started.path("restUrl").asText();
            assertTrue(restUrl.matches("http://127\\.0\\.0\\.1:\\d+"), started.toString());
            assertEquals(dir.toString(), started.path("dir").asText());
            Map<String, Long> pids = pids(started.path("pids"));
            assertEquals(PROCESSES, pids.keySet(), started.toString());
            String bootstrap = started.path("kafkaBootstrapServers").asText();
            assertTrue(started.path("s3Endpoint").asText().startsWith("http://"), started.toString());
            assertEquals(
                    "s3://" + LocalStack.checkpointBucketOf("streamtrain") + "/flink/checkpoints",
                    started.path("checkpoints").asText(),
                    "Flink's checkpoints go to the stack's unversioned bucket");
            assertEquals(LocalStackProcess.DEFAULT_TOPICS, texts(started.path("topics")), started.toString());
            assertEquals(
                    Set.of("rw-------"),
                    Set.of(PosixFilePermissions.toString(
                            Files.getPosixFilePermissions(dir.resolve("conf").resolve("config.yaml")))),
                    "config.yaml holds the secret");
            String secret = S3Credentials.local().secretKey();
            assertFalse(
                    start.out().contains(secret) || start.err().contains(secret), "the secret key is never printed");
            // the processes of the stack the holder JVM owns: they must go with cluster stop too
            List<ProcessHandle> stackChildren = ProcessHandle.of(pids.get(LocalStackProcess.NAME))
                    .orElseThrow()
                    .descendants()
                    .toList();
            assertFalse(stackChildren.isEmpty(), "the broker and the S3 server run under the local-stack holder");

            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
                Set<String> topics = admin.listTopics().names().get(30, TimeUnit.SECONDS);
                assertTrue(
                        topics.containsAll(LocalStackProcess.DEFAULT_TOPICS),
                        "the job's default topics exist: " + topics);
            }

            Launched status = Launched.run(TIMEOUT, env, "cluster", "status");
            assertEquals(0, status.exit(), status.err());
            JsonNode up = single(status.out());
            assertTrue(up.path("up").asBoolean(), up.toString());
            assertEquals(restUrl, up.path("restUrl").asText());
            assertEquals(pids, pids(up.path("pids")));
            assertEquals(1, up.path("taskManagers").asInt(), up.toString());
            assertEquals(2, up.path("slotsTotal").asInt(), "the default --slots: " + up);
            assertEquals(2, up.path("slotsAvailable").asInt(), up.toString());
            assertEquals(0, up.path("jobsRunning").asInt(), up.toString());
            assertTrue(up.path("flinkVersion").asText().startsWith("2.2"), up.toString());
            assertEquals(bootstrap, up.path("kafkaBootstrapServers").asText());

            // Flink's own CLI, configured from the cluster folder, asks the JobManager for its jobs
            Launched list = Launched.run(TIMEOUT, env, "flink", "list");
            assertEquals(0, list.exit(), list.out() + list.err());
            assertTrue(list.out().contains("No running jobs."), list.out());

            Launched stop = Launched.run(TIMEOUT, env, "cluster", "stop");
            assertEquals(0, stop.exit(), stop.err());
            assertEquals(pids, pids(single(stop.out()).path("stopped")), "stop names what it stopped");
            List<ProcessHandle> all = new ArrayList<>(stackChildren);
            pids.values().forEach(pid -> ProcessHandle.of(pid).ifPresent(all::add));
            assertTrue(
                    all.stream().noneMatch(ProcessHandle::isAlive),
                    "alive after cluster stop: "
                            + all.stream()
                                    .filter(ProcessHandle::isAlive)
                                    .map(h -> h.pid() + " " + h.info().command().orElse("?"))
                                    .toList());
            assertEquals(List.of(), pidFiles(dir), "no pid file is left");
            assertFalse(Listening.url(restUrl), "nothing listens on the REST port any more");
            assertFalse(Listening.hostPort(bootstrap), "nothing listens on the broker's port any more");

            Launched after = Launched.run(TIMEOUT, env, "cluster", "status");
            assertEquals(3, after.exit(), "status exits 3 when the cluster is down: " + after.out() + after.err());
            JsonNode down = single(after.out());
            assertFalse(down.path("up").asBoolean(), down.toString());
            assertEquals(0, down.path("pids").size(), down.toString());
        } finally {
            FlinkCluster.at(dir).stop(); // whatever a failed assertion left running
        }
    }

    private static JsonNode single(String stdout) throws Exception {
        List<String> lines = stdout.lines().filter(l -> !l.isBlank()).toList();
        assertEquals(1, lines.size(), "one JSON line on stdout: " + stdout);
        return new ObjectMapper().readTree(lines.get(0));
    }

    private static Map<String, Long> pids(JsonNode node) {
        Map<String, Long> pids = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            pids.put(e.getKey(), e.getValue().asLong());
        }
        return pids;
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static List<Path> pidFiles(Path dir) throws Exception {
        Path run = dir.resolve("run");
        if (!Files.isDirectory(run)) {
            return List.of();
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(run, "*.pid")) {
            List<Path> out = new ArrayList<>();
            files.forEach(out::add);
            return out;
        }
    }
}
