package dev.streamtrain.jobs.config;

import static dev.streamtrain.jobs.config.TrainingJobOptions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.streamtrain.sample.LabelKind;
import dev.streamtrain.sample.SampleSchema;
import dev.streamtrain.store.RetentionPolicy;
import dev.streamtrain.trainer.EpochPolicy;
import dev.streamtrain.trainer.ModelSpec;
import dev.streamtrain.trainer.TorchThreads;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;

/**
 * The validated configuration of one training job. Built from a YAML file and {@code --key value}
 * arguments; everything is checked here, at start-up, with messages that say what to fix — a bad
 * value never reaches a running job.
 */
public final class JobConfig implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    /** Flink's own keys may be given too; they configure the execution environment. */
    private static final List<String> FLINK_PREFIXES = List.of("s3.", "execution.", "state.", "restart-strategy.",
            "pipeline.", "parallelism.", "taskmanager.", "jobmanager.", "rest.", "fs.", "metrics.", "env.java.opts");

    private final Configuration conf;
    private final ModelSpec modelSpec;
    private final SampleSchema sampleSchema;

    private JobConfig(Configuration conf) {
        this.conf = conf;
        List<String> problems = new ArrayList<>();
        require(KAFKA_BOOTSTRAP_SERVERS, problems);
        require(FEATURE_DIM, problems);
        require(CHECKPOINT_DIR, problems);
        for (ConfigOption<String> name : List.of(EXPERIMENT, RUN, MODEL_NAME)) {
            String v = conf.get(name);
            if (!NAME.matcher(v).matches()) {
                problems.add(name.key() + " = '" + v + "': use letters, digits, '.', '_' or '-' (it becomes part of object paths)");
            }
        }
        conf.getOptional(CHECKPOINT_DIR).ifPresent(dir -> {
            if (!dir.matches("^(s3|s3p|s3a|file|hdfs)://.+")) {
                problems.add(CHECKPOINT_DIR.key() + " = '" + dir + "': give a URI such as s3://bucket/checkpoints");
            }
        });
        if (!conf.contains(STORE_BUCKET) && conf.getOptional(CHECKPOINT_DIR).filter(d -> d.startsWith("s3")).isEmpty()) {
            problems.add(STORE_BUCKET.key() + " is required when checkpoint.dir is not on S3: " + STORE_BUCKET.description());
        }
        if (conf.get(STORE_KEEP_LAST) < 0 || conf.get(STORE_KEEP_BEST) < 0) {
            problems.add(STORE_KEEP_LAST.key() + " and " + STORE_KEEP_BEST.key() + " must be >= 0");
        }
        if (conf.get(EPOCH_SAMPLES) <= 0) {
            problems.add(EPOCH_SAMPLES.key() + " must be positive");
        }
        if (conf.get(ATTEMPT) < 1) {
            problems.add(ATTEMPT.key() + " must be at least 1");
        }
        if (conf.get(REPORT_EVERY) <= 0) {
            problems.add(REPORT_EVERY.key() + " must be positive");
        }
        if (conf.get(SOURCE_PARALLELISM) < 1) {
            problems.add(SOURCE_PARALLELISM.key() + " must be at least 1");
        }
        if (conf.get(CHECKPOINT_INTERVAL).toMillis() < 10) {
            problems.add(CHECKPOINT_INTERVAL.key() + " must be at least 10 ms");
        }
        for (ConfigOption<String> threads : List.of(THREADS, INTEROP_THREADS)) {
            try {
                TorchThreads.Request.parse(threads.key(), conf.get(threads));
            } catch (IllegalArgumentException e) {
                problems.add(e.getMessage());
            }
        }
        SampleSchema schema = null;
        ModelSpec spec = null;
        if (problems.isEmpty()) {
            try {
                schema = buildSampleSchema();
            } catch (IllegalArgumentException | IllegalStateException e) {
                problems.add("sample configuration: " + e.getMessage());
            }
            if (schema != null) {
                try {
                    spec = buildModelSpec(schema);
                } catch (IllegalArgumentException | IllegalStateException e) {
                    problems.add("model configuration: " + e.getMessage());
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new InvalidConfigurationException(problems);
        }
        this.sampleSchema = schema;
        this.modelSpec = spec;
    }

    /** From {@code --config file.yaml} (optional) and {@code --key value} / {@code --key=value} arguments. */
    public static JobConfig fromArgs(String[] args) {
        Map<String, String> values = new LinkedHashMap<>();
        Map<String, String> overrides = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) {
                throw new InvalidConfigurationException(List.of("unexpected argument '" + a + "': use --key value"));
            }
            String key = a.substring(2);
            String value;
            int eq = key.indexOf('=');
            if (eq >= 0) {
                value = key.substring(eq + 1);
                key = key.substring(0, eq);
            } else if (i + 1 < args.length) {
                value = args[++i];
            } else {
                throw new InvalidConfigurationException(List.of("--" + key + " needs a value"));
            }
            if (key.equals("config")) {
                values.putAll(readYaml(Paths.get(value)));
            } else {
                overrides.put(key, value);
            }
        }
        values.putAll(overrides);
        return fromMap(values);
    }

    public static JobConfig fromMap(Map<String, String> values) {
        List<String> unknown = new ArrayList<>();
        Set<String> known = ALL.stream().map(ConfigOption::key).collect(Collectors.toSet());
        for (String key : values.keySet()) {
            if (!known.contains(key) && FLINK_PREFIXES.stream().noneMatch(key::startsWith)) {
                unknown.add("unknown key '" + key + "'" + suggestion(key, known));
            }
        }
        if (!unknown.isEmpty()) {
            throw new InvalidConfigurationException(unknown);
        }
        Configuration conf = Configuration.fromMap(values);
        // parse every typed value once, so that a bad number or enum fails here, named
        for (ConfigOption<?> option : ALL) {
            try {
                conf.getOptional(option);
            } catch (IllegalArgumentException e) {
                throw new InvalidConfigurationException(List.of(option.key() + " = '" + values.get(option.key())
                        + "' is not valid: " + option.description() + rootMessage(e)));
            }
        }
        return new JobConfig(conf);
    }

    private static Map<String, String> readYaml(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new InvalidConfigurationException(List.of("config file " + file.toAbsolutePath() + " does not exist"));
        }
        try {
            JsonNode root = new ObjectMapper(new YAMLFactory()).readTree(file.toFile());
            Map<String, String> flat = new LinkedHashMap<>();
            if (root != null) {
                flatten("", root, flat);
            }
            return flat;
        } catch (IOException e) {
            throw new InvalidConfigurationException(List.of("config file " + file + " is not valid YAML: " + e.getMessage()));
        }
    }

    /** Nested YAML maps become dotted keys; lists become Flink's ';'-separated list syntax. */
    private static void flatten(String prefix, JsonNode node, Map<String, String> out) {
        if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                flatten(prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(), e.getValue(), out);
            }
        } else if (node.isArray()) {
            List<String> items = new ArrayList<>();
            node.forEach(n -> items.add(n.asText()));
            out.put(prefix, String.join(";", items));
        } else if (!node.isNull()) {
            out.put(prefix, node.asText());
        }
    }

    private void require(ConfigOption<?> option, List<String> problems) {
        if (!conf.contains(option)) {
            problems.add(option.key() + " is required: " + option.description());
        }
    }

    private SampleSchema buildSampleSchema() {
        SampleSchema.Builder b = SampleSchema.builder()
                .format(conf.get(SAMPLE_FORMAT))
                .featureDim(conf.get(FEATURE_DIM))
                .maxRecordBytes(conf.get(MAX_RECORD_BYTES));
        LabelKind kind = conf.get(LABEL_KIND);
        if (kind == LabelKind.CLASS) {
            b.classes(conf.get(NUM_CLASSES));
        } else {
            b.labelKind(kind).labelDim(conf.get(LABEL_DIM));
        }
        return b.build();
    }

    private ModelSpec buildModelSpec(SampleSchema schema) {
        ModelSpec.Loss loss = conf.getOptional(LOSS).orElse(switch (schema.labelKind()) {
            case REGRESSION -> ModelSpec.Loss.MSE;
            case BINARY -> ModelSpec.Loss.BCE_WITH_LOGITS;
            case CLASS -> ModelSpec.Loss.SOFTMAX_CROSS_ENTROPY;
        });
        ModelSpec.Builder b = ModelSpec.builder()
                .kind(conf.get(MODEL_KIND))
                .inputDim(schema.featureDim())
                .outputDim(schema.labelKind() == LabelKind.CLASS ? schema.numClasses() : schema.labelDim())
                .activation(conf.get(ACTIVATION))
                .loss(loss)
                .optimizer(conf.get(OPTIMIZER))
                .learningRate(conf.get(LEARNING_RATE))
                .batchSize(conf.get(BATCH_SIZE))
                .seed(conf.get(SEED))
                .device(conf.get(DEVICE));
        if (conf.get(MODEL_KIND) == ModelSpec.Kind.MLP) {
            b.hiddenSizes(conf.get(HIDDEN));
        }
        return b.build();
    }

    private static String suggestion(String key, Set<String> known) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String k : known) {
            int d = levenshtein(key, k);
            if (d < bestDistance) {
                bestDistance = d;
                best = k;
            }
        }
        return bestDistance <= 3 ? " (did you mean '" + best + "'?)" : " (see TrainingJobOptions / README: Configuration)";
    }

    private static int levenshtein(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage() == null ? "" : " (" + t.getMessage() + ")";
    }

    public <T> T get(ConfigOption<T> option) {
        return conf.get(option);
    }

    /** The artifact bucket: store.bucket, else the bucket of an s3:// checkpoint.dir. */
    public String storeBucket() {
        return conf.getOptional(STORE_BUCKET).orElseGet(() -> java.net.URI.create(conf.get(CHECKPOINT_DIR)).getHost());
    }

    /** model.threads and model.interop-threads (validated at construction). */
    public TorchThreads.Request torchThreads() {
        return new TorchThreads.Request(TorchThreads.Request.parse(THREADS.key(), conf.get(THREADS)),
                TorchThreads.Request.parse(INTEROP_THREADS.key(), conf.get(INTEROP_THREADS)));
    }

    public EpochPolicy epochPolicy() {
        return conf.getOptional(EPOCH_EVENT_TIME).map(EpochPolicy::eventTime)
                .orElseGet(() -> EpochPolicy.everySamples(conf.get(EPOCH_SAMPLES)));
    }

    public RetentionPolicy retentionPolicy() {
        return new RetentionPolicy(conf.get(STORE_KEEP_LAST), conf.get(STORE_KEEP_BEST));
    }

    public ModelSpec modelSpec() {
        return modelSpec;
    }

    public SampleSchema sampleSchema() {
        return sampleSchema;
    }

    /** The keys of Flink itself (s3.*, execution.*, …) given with the job, for the execution environment. */
    public Configuration flinkConfiguration() {
        Configuration flink = new Configuration();
        conf.toMap().forEach((k, v) -> {
            if (FLINK_PREFIXES.stream().anyMatch(k::startsWith)) {
                flink.setString(k, v);
            }
        });
        return flink;
    }

    /** What a masked secret reads as in {@link #describe()}. */
    public static final String MASKED = "******";

    /**
     * Every key given, with its value, secrets masked — for the start-up log and the job's global
     * parameters (Flink's web UI, and {@code ./streamtrain rollback}, which restarts the job with them).
     */
    public Map<String, String> describe() {
        Map<String, String> out = new LinkedHashMap<>();
        conf.toMap().forEach((k, v) -> out.put(k, isSecret(k) ? MASKED : v));
        return out;
    }

    public static boolean isSecret(String key) {
        return key.contains("secret") || key.contains("password") || key.contains("access-key");
    }
}
