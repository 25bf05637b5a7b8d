package dev.streamtrain.jobs.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamtrain.localstack.Await;
import dev.streamtrain.localstack.LocalStack;
import dev.streamtrain.localstack.S3Credentials;
import dev.streamtrain.store.S3Endpoint;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;

/**
 * The local stack (Kafka broker + S3 server) for a cluster started with {@code --local-stack}. It
 * must outlive {@code cluster start}, and the stack's child JVMs halt when their parent goes, so a
 * detached holder JVM ({@link #main}) owns the stack until {@code cluster stop} sends it SIGTERM;
 * it writes where the services are to {@code run/local-stack.json}.
 */
public final class LocalStackProcess {
    public static final String NAME = "local-stack";
    /** Created with the stack (one partition each): the job's default samples, dead-letter and events topics. */
    public static final List<String> DEFAULT_TOPICS = List.of("samples", "samples-dlq", "model-checkpoints");

    /** Where a running local stack is (no secret: the local credentials are fixed, see {@link S3Credentials#local()}). */
    public record Endpoints(
            String bootstrapServers, URI s3Endpoint, String accessKey, String region, String bucket, long pid) {
        public S3Endpoint s3() {
            return new S3Endpoint(s3Endpoint, accessKey, S3Credentials.local().secretKey(), region);
        }
    }

    private LocalStackProcess() {}

    /** Starts the holder JVM detached from this one and waits until the stack answers. */
    public static Endpoints start(FlinkCluster cluster, String bucket, Duration timeout) throws IOException {
        Path info = cluster.run().resolve(NAME + ".json");
        Files.deleteIfExists(info);
        List<String> cmd = new ArrayList<>();
        if (Files.isExecutable(Paths.get("/usr/bin/setsid"))) {
            cmd.add("/usr/bin/setsid");
        }
        cmd.add(FlinkCluster.javaExecutable());
        cmd.add("-Xmx256m");
        cmd.add("-Dstreamtrain.cluster.dir=" + cluster.dir());
        for (String p :
                List.of("streamtrain.stack.dir", "streamtrain.stack", "log4j2.configurationFile", "streamtrain.home")) {
            String v = System.getProperty(p);
            if (v != null) {
                cmd.add("-D" + p + "=" + v);
            }
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(LocalStackProcess.class.getName());
        cmd.add(cluster.dir().resolve("local-stack").toString());
        cmd.add(bucket);
        cmd.add(info.toString());
        Path log = cluster.log().resolve(NAME + ".log");
        Process p = new ProcessBuilder(cmd)
                .directory(cluster.dir().toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        Files.writeString(cluster.run().resolve(NAME + ".pid"), Long.toString(p.pid()));
        Await.until(timeout, 200, "the local stack (log: " + log + ")", () -> {
            if (!p.isAlive()) {
                throw new IllegalStateException("the local stack exited; see " + log);
            }
            return Files.exists(info);
        });
        return read(cluster).orElseThrow();
    }

    /** The running stack of a cluster folder, if it has one. */
    public static Optional<Endpoints> read(FlinkCluster cluster) {
        Path info = cluster.run().resolve(NAME + ".json");
        Optional<Long> pid = cluster.pid(NAME);
        if (!Files.exists(info) || pid.isEmpty()) {
            return Optional.empty();
        }
        try {
            JsonNode j = new ObjectMapper().readTree(info.toFile());
            return Optional.of(new Endpoints(
                    j.path("bootstrapServers").asText(),
                    URI.create(j.path("s3Endpoint").asText()),
                    j.path("accessKey").asText(),
                    j.path("region").asText(),
                    j.path("bucket").asText(),
                    pid.get()));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** The holder: {@code <work dir> <bucket> <info file>}; runs until SIGTERM. */
    public static void main(String[] args) throws Exception {
        Path work = Paths.get(args[0]);
        LocalStack stack = LocalStack.start(work, args[1]);
        // the default topics of conf/job.example.yaml, so that a job can be submitted at once
        dev.streamtrain.jobs.KafkaClients.createTopics(stack.bootstrapServers(), DEFAULT_TOPICS.toArray(String[]::new));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            stack.close();
                            stopped.countDown();
                        },
                        "local-stack-stop"));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("bootstrapServers", stack.bootstrapServers());
        out.put("s3Endpoint", stack.s3().endpoint().toString());
        out.put("accessKey", stack.s3().accessKey());
        out.put("region", stack.s3().region());
        out.put("bucket", stack.bucket());
        out.put("kafka", stack.kafka().description());
        out.put("s3", stack.objectStore().description());
        out.put("topics", DEFAULT_TOPICS);
        Path info = Paths.get(args[2]);
        Path tmp = info.resolveSibling(info.getFileName() + ".tmp");
        new ObjectMapper().writeValue(tmp.toFile(), out);
        Files.move(tmp, info, StandardCopyOption.ATOMIC_MOVE);
        System.err.println("local stack ready: " + out);
        stopped.await();
    }
}
