package dev.streamtrain.jobs;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamtrain.jobs.config.JobConfig;
import dev.streamtrain.jobs.config.TrainingJobOptions;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessSpec;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessUtils;
import org.apache.flink.runtime.jobmanager.JobManagerProcessUtils;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.yaml.snakeyaml.Yaml;

/**
 * conf/ and docker/ cannot be started here (no Docker engine): this checks what can be checked
 * without starting anything. The compose files parse (anchors and merge keys resolved, as Compose
 * does); service names, ports, the bucket and versions agree with conf/ and the build; every Flink
 * key in conf/ is a current Flink 2.2 key with a value Flink parses, and the memory settings are
 * ones Flink's own start-up math accepts; the job example passes the job's own validation; no
 * file holds anything that looks like a real secret.
 */
class DeploymentFilesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** S3 keys of flink-s3-fs-presto (mirrored to presto.s3.*): not ConfigOptions, so listed here. */
    private static final Set<String> S3_KEYS =
            Set.of("s3.endpoint", "s3.path.style.access", "s3.access-key", "s3.secret-key");

    private static Path root;
    private static JsonNode compose;
    private static JsonNode services;
    private static JsonNode gpu;
    private static JsonNode cluster;
    private static JsonNode job;
    private static Map<String, String> env;
    private static Document pom;

    @BeforeAll
    static void load() throws Exception {
        root = projectRoot();
        compose = yaml(root.resolve("docker/docker-compose.yml"));
        services = compose.path("services");
        gpu = yaml(root.resolve("docker/docker-compose.gpu.yml"));
        cluster = yaml(root.resolve("conf/config.yaml"));
        job = yaml(root.resolve("conf/job.example.yaml"));
        env = dotenv(root.resolve("conf/.env.example"));
        pom = DocumentBuilderFactory.newInstance()
                .newDocumentBuilder()
                .parse(root.resolve("pom.xml").toFile());
    }

    @Test
    void composeFilesParseAndHaveEveryService() {
        for (String s : List.of("kafka", "minio", "minio-init", "jobmanager", "taskmanager")) {
            assertTrue(services.has(s), "docker-compose.yml has service " + s);
            assertFalse(services.path(s).path("image").asText().isEmpty(), s + " names its image");
        }
        JsonNode tm = gpu.path("services").path("taskmanager");
        assertEquals(
                Set.of("taskmanager"),
                fieldNames(gpu.path("services")),
                "the GPU override changes only the TaskManager");
        JsonNode device = tm.path("deploy")
                .path("resources")
                .path("reservations")
                .path("devices")
                .path(0);
        assertEquals("nvidia", device.path("driver").asText());
        assertTrue(device.path("capabilities").toString().contains("gpu"));
        assertTrue(
                Files.isRegularFile(root.resolve("docker")
                        .resolve(tm.path("build").path("context").asText())
                        .resolve(tm.path("build").path("dockerfile").asText())),
                "the GPU Dockerfile exists");
    }

    @Test
    void flinkServicesRunTheProjectsFlinkWithThePrestoPluginAndTheRepositorysConfig() throws Exception {
        String flinkVersion = pomProperty("flink.version");
        for (String s : List.of("jobmanager", "taskmanager")) {
            JsonNode svc = services.path(s);
            assertEquals(
                    "flink:" + flinkVersion + "-java17",
                    svc.path("image").asText(),
                    s + ": the Java 17 image of flink.version");
            assertEquals(
                    "flink-s3-fs-presto-" + flinkVersion + ".jar",
                    svc.path("environment").path("ENABLE_BUILT_IN_PLUGINS").asText(),
                    s + ": the plugin jar the image ships (its opt/ holds only its own version)");
            assertEquals(
                    cluster.path("jobmanager.rpc.address").asText(),
                    svc.path("environment").path("JOB_MANAGER_RPC_ADDRESS").asText(),
                    s + ": the entrypoint overrides jobmanager.rpc.address with this");
            String entrypoint = svc.path("entrypoint").toString();
            assertTrue(
                    entrypoint.contains("cp /opt/streamtrain/conf/config.yaml")
                            && entrypoint.contains("exec /docker-entrypoint.sh"),
                    s + ": config.yaml is copied in, then the image's entrypoint runs: " + entrypoint);
            Map<String, JsonNode> mounts = mountsByTarget(svc);
            assertTrue(
                    mounts.get("/opt/streamtrain/conf").path("read_only").asBoolean(),
                    s + ": conf/ is mounted read-only");
            assertEquals(
                    "../conf",
                    mounts.get("/opt/streamtrain/conf").path("source").asText());
            assertTrue(
                    mounts.keySet().stream().noneMatch(t -> t.startsWith("/opt/flink/conf")),
                    s + ": nothing is mounted over /opt/flink/conf (the entrypoint rewrites it)");
        }
        assertEquals(
                services.path("jobmanager").path("environment"),
                services.path("taskmanager").path("environment"));
        assertEquals(
                services.path("jobmanager").path("volumes"),
                services.path("taskmanager").path("volumes"));
        assertTrue(
                services.has(cluster.path("jobmanager.rpc.address").asText()),
                "jobmanager.rpc.address is a compose service");

        String dockerfile = Files.readString(root.resolve("docker/taskmanager-gpu.Dockerfile"));
        assertTrue(
                dockerfile.contains(
                        "FROM " + services.path("taskmanager").path("image").asText() + "\n"),
                "the GPU TaskManager builds on the same Flink image");
        String gpuEnv =
                gpu.path("services").path("taskmanager").path("environment").toString();
        String pytorch = pomProperty("pytorch.native.version");
        assertTrue(
                gpuEnv.contains("\"PYTORCH_VERSION\":\"" + pytorch + "\"")
                        && dockerfile.contains("PYTORCH_VERSION=" + pytorch),
                "DJL picks its JNI glue by PYTORCH_VERSION: it must be the libtorch version of pytorch-jni (" + pytorch
                        + ")");
        assertTrue(pomProperty("pytorch.jni.version").startsWith(pytorch + "-"));
        assertTrue(gpuEnv.contains("\"PYTORCH_FLAVOR\":\"cu128\"") && dockerfile.contains("PYTORCH_FLAVOR=cu128"));
    }

    @Test
    void theDjlJarsAndTheJobJarMountedAreTheOnesTheBuildProduces() throws Exception {
        Map<String, JsonNode> mounts = mountsByTarget(services.path("taskmanager"));
        JsonNode lib = mounts.get("/opt/flink/lib/streamtrain");
        assertEquals(
                "../jobs/target/flink-lib",
                lib.path("source").asText(),
                "the DJL jars go to a folder under Flink's lib/");
        String jobsPom = Files.readString(root.resolve("jobs/pom.xml"));
        assertTrue(
                jobsPom.contains("<outputDirectory>${project.build.directory}/flink-lib</outputDirectory>"),
                "jobs/pom.xml copies the DJL jars to jobs/target/flink-lib");
        for (String artifact : List.of(
                "<artifactId>api</artifactId>",
                "<artifactId>pytorch-engine</artifactId>",
                "<artifactId>pytorch-jni</artifactId>",
                "<artifactId>pytorch-native-cpu</artifactId>")) {
            assertTrue(jobsPom.contains(artifact), "flink-lib gets " + artifact);
        }
        assertTrue(
                cluster.path("classloader.parent-first-patterns.additional")
                        .asText()
                        .contains("ai.djl."),
                "DJL loads parent-first, from lib/");

        String version =
                pom.getDocumentElement().getElementsByTagName("version").item(0).getTextContent();
        assertTrue(jobsPom.contains("<shadedClassifierName>job</shadedClassifierName>"));
        JsonNode jar = mounts.get("/opt/streamtrain/job.jar");
        assertEquals(
                "../jobs/target/streamtrain-jobs-" + version + "-job.jar",
                jar.path("source").asText(),
                "the mounted job jar has the project's version");
        for (JsonNode m : mounts.values()) {
            assertEquals("bind", m.path("type").asText());
            assertTrue(m.path("read_only").asBoolean(), m + " is read-only");
            assertTrue(
                    m.path("bind").path("create_host_path").isMissingNode(),
                    "long syntax without create_host_path: a missing build output fails `up` instead of mounting an empty folder");
        }
    }

    @Test
    void minioEndpointAndBucketAgreeWithConf() {
        URI endpoint = URI.create(cluster.path("s3.endpoint").asText());
        assertTrue(endpoint.getScheme().startsWith("http"), "s3.endpoint needs its protocol: " + endpoint);
        assertEquals("minio", endpoint.getHost());
        assertTrue(
                ports(services.path("minio")).contains("127.0.0.1:" + endpoint.getPort() + ":" + endpoint.getPort()),
                "MinIO serves s3.endpoint's port: " + ports(services.path("minio")));
        assertEquals(
                endpoint.toString(), env.get("AWS_ENDPOINT_URL"), ".env.example: the same endpoint, with the protocol");
        assertEquals("us-east-1", env.get("AWS_REGION"));

        String bucket = job.path("store").path("bucket").asText();
        assertEquals(bucket, env.get("STREAMTRAIN_BUCKET"));
        assertEquals(
                "${STREAMTRAIN_BUCKET:-" + bucket + "}",
                services.path("minio-init").path("environment").path("BUCKET").asText());
        for (String dir : List.of(
                cluster.path("execution.checkpointing.dir").asText(),
                cluster.path("execution.checkpointing.savepoint-dir").asText(),
                job.path("checkpoint").path("dir").asText())) {
            assertEquals(
                    "s3://" + bucket, dir.substring(0, dir.indexOf('/', "s3://".length())), dir + " is on the bucket");
        }
        assertEquals(
                "s3://streamtrain/checkpoints",
                cluster.path("execution.checkpointing.dir").asText());
        assertEquals(
                "s3://streamtrain/savepoints",
                cluster.path("execution.checkpointing.savepoint-dir").asText());
        String init = services.path("minio-init").path("entrypoint").toString();
        assertTrue(
                init.contains("mc mb --ignore-existing") && init.contains("mc version enable"),
                "the init container creates the bucket with versioning on: " + init);
        assertTrue(init.contains("$$AWS_ENDPOINT_URL"), "... at the endpoint of .env");
        assertTrue(job.path("store").path("versioned").asBoolean(), "the example uses the versioned bucket");
    }

    @Test
    void kafkaBootstrapAndTransactionSettingsAgreeWithTheJob() throws Exception {
        String bootstrap = job.path("kafka").path("bootstrap-servers").asText();
        assertEquals(bootstrap, env.get("STREAMTRAIN_KAFKA"));
        String host = bootstrap.split(":")[0];
        assertEquals("kafka", host);
        JsonNode kafka = services.path("kafka").path("environment");
        assertTrue(
                List.of(kafka.path("KAFKA_ADVERTISED_LISTENERS").asText().split(","))
                        .contains("PLAINTEXT://" + bootstrap),
                "the broker advertises " + bootstrap + " to the containers");
        assertTrue(List.of(kafka.path("KAFKA_LISTENERS").asText().split(","))
                .contains("PLAINTEXT://:" + bootstrap.split(":")[1]));
        assertEquals(
                "apache/kafka:" + pomProperty("kafka.version"),
                services.path("kafka").path("image").asText(),
                "the broker version the tests run against");
        for (String k : List.of(
                "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR",
                "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR",
                "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR")) {
            assertEquals(1, kafka.path(k).asInt(), k + ": a single broker");
        }
        Duration jobTimeout = JobConfig.fromArgs(new String[] {
                    "--config", root.resolve("conf/job.example.yaml").toString()
                })
                .get(TrainingJobOptions.TRANSACTION_TIMEOUT);
        assertTrue(
                kafka.path("KAFKA_TRANSACTION_MAX_TIMEOUT_MS").asLong() >= jobTimeout.toMillis(),
                "transaction.max.timeout.ms >= kafka.transaction-timeout, or the exactly-once sinks restart-loop");
    }

    @Test
    void publishedPortsListenOnLoopbackOnlyAndRestIsLoopbackOutsideDocker() {
        for (Iterator<Map.Entry<String, JsonNode>> it = services.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> s = it.next();
            for (String p : ports(s.getValue())) {
                assertTrue(p.startsWith("127.0.0.1:"), s.getKey() + " publishes " + p + " beyond the host's loopback");
            }
        }
        int rest = cluster.path("rest.port").asInt();
        assertTrue(ports(services.path("jobmanager")).contains("127.0.0.1:" + rest + ":" + rest));
        assertEquals("localhost", cluster.path("rest.bind-address").asText());
        assertEquals("localhost", cluster.path("rest.address").asText());
        assertTrue(
                flinkProperties().containsKey("rest.bind-address"),
                "in Docker the REST API listens on the container's interface");
    }

    @Test
    void everyClusterKeyIsACurrentFlink22KeyAndEveryValueParses() throws Exception {
        Map<String, ConfigOption<?>> options = flinkOptions();
        Map<String, String> keys = new LinkedHashMap<>();
        cluster.fields().forEachRemaining(e -> keys.put(e.getKey(), "conf/config.yaml"));
        flinkProperties().keySet().forEach(k -> keys.put(k, "FLINK_PROPERTIES in docker-compose.yml"));
        List<String> problems = new ArrayList<>();
        keys.forEach((key, where) -> {
            if (!(S3_KEYS.contains(key) || options.containsKey(key))) {
                problems.add(where + ": '" + key + "' is no Flink 2.2 key"
                        + (FALLBACKS.containsKey(key) ? " any more; use '" + FALLBACKS.get(key) + "'" : ""));
            }
        });
        assertEquals(List.of(), problems);

        Configuration conf =
                GlobalConfiguration.loadConfiguration(root.resolve("conf").toString());
        Configuration inDocker = new Configuration(conf);
        flinkProperties().forEach((k, v) -> {
            if (!v.contains("${")) {
                inDocker.setString(k, v);
            }
        });
        for (String key : keys.keySet()) {
            if (options.containsKey(key)) {
                assertDoesNotThrow(() -> conf.get(options.get(key)), key + " has a value Flink can parse");
                assertDoesNotThrow(() -> inDocker.get(options.get(key)), key + " has a value Flink can parse");
            }
        }
        assertEquals(CheckpointingMode.EXACTLY_ONCE, conf.get(CheckpointingOptions.CHECKPOINTING_CONSISTENCY_MODE));
        assertEquals(
                ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION,
                conf.get(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION));
        assertEquals(Duration.ofSeconds(30), conf.get(CheckpointingOptions.CHECKPOINTING_INTERVAL));
        assertEquals("hashmap", conf.get(StateBackendOptions.STATE_BACKEND));
        assertTrue(conf.get(CoreOptions.FLINK_JVM_OPTIONS).contains("-Dai.djl.offline=true"));

        // what the container runs at start (BashJavaUtils): it must accept the memory settings
        TaskExecutorProcessSpec tm = TaskExecutorProcessUtils.processSpecFromConfig(conf);
        assertTrue(
                tm.getJvmHeapMemorySize().getMebiBytes() >= 1024, "the TaskManager heap holds the model state: " + tm);
        assertEquals(2, conf.get(TaskManagerOptions.NUM_TASK_SLOTS), "a slot per core on a 2-core box");
        assertDoesNotThrow(() -> JobManagerProcessUtils.processSpecFromConfig(conf));
    }

    @Test
    void theJobExampleLoadsThroughTheJobsValidationAndShowsEveryKey() throws Exception {
        JobConfig config = JobConfig.fromArgs(
                new String[] {"--config", root.resolve("conf/job.example.yaml").toString()});
        assertEquals(64, config.modelSpec().inputDim());
        assertEquals(List.of(256, 256), config.modelSpec().hiddenSizes());
        assertEquals("streamtrain", config.storeBucket());

        Map<String, String> flat = new LinkedHashMap<>();
        flatten("", job, flat);
        Set<String> jobKeys = new TreeSet<>();
        TrainingJobOptions.ALL.forEach(o -> jobKeys.add(o.key()));
        Map<String, ConfigOption<?>> flink = flinkOptions();
        String text = Files.readString(root.resolve("conf/job.example.yaml"));
        for (String key : jobKeys) {
            String leaf = key.substring(key.lastIndexOf('.') + 1);
            assertTrue(
                    flat.containsKey(key)
                            || Pattern.compile("(?m)^\\s*#\\s*" + Pattern.quote(leaf) + ":")
                                    .matcher(text)
                                    .find(),
                    "the example shows " + key + " (set, or commented out where setting it changes the meaning)");
        }
        for (String key : flat.keySet()) {
            assertTrue(jobKeys.contains(key) || flink.containsKey(key), key + " is a job key or a current Flink key");
        }
        assertEquals(
                cluster.path("execution.checkpointing.num-retained").asText(),
                flat.get("execution.checkpointing.num-retained"),
                "the trainer's retention must know how many checkpoints the cluster retains");
        assertEquals(cluster.path("execution.checkpointing.interval").asText(), flat.get("checkpoint.interval"));
    }

    @Test
    void noFileUnderConfOrDockerHoldsWhatLooksLikeARealSecret() throws IOException {
        List<String> found = new ArrayList<>();
        for (String dir : List.of("conf", "docker")) {
            try (Stream<Path> files = Files.walk(root.resolve(dir))) {
                for (Path f : files.filter(Files::isRegularFile).toList()) {
                    if (f.getFileName().toString().equals(".env")) {
                        continue; // the git-ignored local copy that holds the real credentials
                    }
                    List<String> lines = Files.readAllLines(f);
                    for (int i = 0; i < lines.size(); i++) {
                        String why = secretIn(lines.get(i));
                        if (why != null) {
                            found.add(root.relativize(f) + ":" + (i + 1) + " " + why);
                        }
                    }
                }
            }
        }
        assertEquals(List.of(), found);
        // the detector itself
        String fake = "AbCdEfGh12".repeat(4);
        assertTrue(secretIn("AWS_SECRET_ACCESS_KEY=" + fake) != null);
        assertTrue(secretIn("  s3.secret-key: hunter2hunter2") != null);
        assertTrue(secretIn("MINIO_ROOT_PASSWORD: \"hunter2hunter2\"") != null);
        assertTrue(secretIn("key = AKIA" + "ABCDEFGHIJKLMNOP") != null);
        assertEquals(null, secretIn("AWS_SECRET_ACCESS_KEY=CHANGE-ME-secret-key"));
        assertEquals(null, secretIn("  MINIO_ROOT_PASSWORD: ${AWS_SECRET_ACCESS_KEY:?set it}"));
        assertEquals(null, secretIn("  s3.secret-key: $${AWS_SECRET_ACCESS_KEY}"));
    }

    // --- helpers --------------------------------------------------------------------------------

    private static final Pattern ASSIGNMENT = Pattern.compile(
            "(?i)([\\w.-]*(secret|password|passwd|access[-_.]?key|token|credential)[\\w.-]*)\\s*[:=]\\s*(.*)$");
    private static final Map<String, String> FALLBACKS = new HashMap<>();

    /** Why {@code line} looks like it holds a real secret, or null. */
    static String secretIn(String line) {
        if (Pattern.compile("AKIA[0-9A-Z]{16}|-----BEGIN [A-Z ]*PRIVATE KEY")
                .matcher(line)
                .find()) {
            return "an AWS key id or a private key";
        }
        Matcher m = ASSIGNMENT.matcher(line);
        if (!m.find()) {
            return null;
        }
        String value = m.group(3).replaceAll("\\s+#.*$", "").trim().replaceAll("^[\"']|[\"']$", "");
        boolean placeholder = value.isEmpty()
                || value.contains("CHANGE-ME")
                || value.startsWith("$")
                || value.startsWith("#")
                || value.startsWith("|")
                || value.startsWith(">");
        // a value with blanks in it is prose ("# SECRETS: s3.secret-key below is ..."), not a credential
        boolean prose = value.matches(".*\\s.*");
        return placeholder || prose ? null : m.group(1) + " has a value that is not a placeholder (CHANGE-ME…, ${VAR})";
    }

    /** Every Flink ConfigOption on the test classpath, by its current key; fallback keys in FALLBACKS. */
    private static Map<String, ConfigOption<?>> flinkOptions() throws Exception {
        Map<String, ConfigOption<?>> out = new HashMap<>();
        for (Class<?> anchor :
                List.of(CoreOptions.class, TaskExecutorProcessUtils.class, StreamExecutionEnvironment.class)) {
            try (JarFile jar = new JarFile(Path.of(anchor.getProtectionDomain()
                            .getCodeSource()
                            .getLocation()
                            .toURI())
                    .toFile())) {
                for (Enumeration<JarEntry> e = jar.entries(); e.hasMoreElements(); ) {
                    String name = e.nextElement().getName();
                    if (!name.endsWith("Options.class") || name.contains("$")) {
                        continue;
                    }
                    Class<?> c;
                    try {
                        c = Class.forName(name.substring(0, name.length() - ".class".length())
                                .replace('/', '.'));
                    } catch (Throwable t) {
                        continue;
                    }
                    for (Field f : c.getFields()) {
                        if (Modifier.isStatic(f.getModifiers()) && ConfigOption.class.isAssignableFrom(f.getType())) {
                            ConfigOption<?> o = (ConfigOption<?>) f.get(null);
                            out.put(o.key(), o);
                            o.fallbackKeys().forEach(k -> FALLBACKS.put(k.getKey(), o.key()));
                        }
                    }
                }
            }
        }
        assertTrue(
                out.containsKey("execution.checkpointing.dir") && out.size() > 300,
                "found Flink's options: " + out.size());
        return out;
    }

    /** FLINK_PROPERTIES of the Flink services, parsed the way the image's entrypoint does (key: value lines). */
    private static Map<String, String> flinkProperties() {
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : services.path("jobmanager")
                .path("environment")
                .path("FLINK_PROPERTIES")
                .asText()
                .split("\n")) {
            String l = line.replaceAll("\\s", "");
            if (!l.isEmpty()) {
                out.put(l.substring(0, l.indexOf(':')), l.substring(l.indexOf(':') + 1));
            }
        }
        return out;
    }

    private static Map<String, JsonNode> mountsByTarget(JsonNode service) {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        for (JsonNode v : service.path("volumes")) {
            assertTrue(v.isObject(), "long volume syntax: " + v);
            out.put(v.path("target").asText(), v);
        }
        return out;
    }

    private static List<String> ports(JsonNode service) {
        List<String> out = new ArrayList<>();
        service.path("ports").forEach(p -> out.add(p.asText()));
        return out;
    }

    private static Set<String> fieldNames(JsonNode node) {
        Set<String> out = new TreeSet<>();
        node.fieldNames().forEachRemaining(out::add);
        return out;
    }

    private static void flatten(String prefix, JsonNode node, Map<String, String> out) {
        if (node.isObject()) {
            node.fields()
                    .forEachRemaining(
                            e -> flatten(prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(), e.getValue(), out));
        } else {
            out.put(prefix, node.isArray() ? node.toString() : node.asText());
        }
    }

    private static String pomProperty(String name) {
        return pom.getDocumentElement()
                .getElementsByTagName(name)
                .item(0)
                .getTextContent()
                .trim();
    }

    /** YAML as Compose reads it: anchors, aliases and merge keys resolved (Jackson's YAML parser leaves aliases as names). */
    private static JsonNode yaml(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            Object doc = new Yaml().load(in);
            assertTrue(doc instanceof Map, file + " is a YAML map");
            return JSON.valueToTree(doc);
        }
    }

    private static Map<String, String> dotenv(Path file) throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : Files.readAllLines(file)) {
            if (!line.isBlank() && !line.startsWith("#")) {
                int eq = line.indexOf('=');
                if (eq < 0) {
                    fail(file + ": not KEY=value: " + line);
                }
                out.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return out;
    }

    /** The checkout: up from the working directory (surefire runs in jobs/) to the folder with pom.xml, conf/ and docker/. */
    private static Path projectRoot() {
        String stack = System.getProperty("streamtrain.stack.dir"); // <root>/pipeline/target/stack
        List<Path> starts = new ArrayList<>(List.of(Path.of("").toAbsolutePath()));
        if (stack != null) {
            starts.add(0, Path.of(stack).toAbsolutePath());
        }
        for (Path start : starts) {
            for (Path p = start; p != null; p = p.getParent()) {
                if (Files.isRegularFile(p.resolve("pom.xml"))
                        && Files.isDirectory(p.resolve("conf"))
                        && Files.isRegularFile(p.resolve("docker/docker-compose.yml"))) {
                    return p;
                }
            }
        }
        throw new IllegalStateException("no project root with pom.xml, conf/ and docker/ above " + starts);
    }
}
