package dev.streamtrain.jobs.config;

import static dev.streamtrain.jobs.config.TrainingJobOptions.CHECKPOINT_DIR;
import static dev.streamtrain.jobs.config.TrainingJobOptions.EPOCH_EVENT_TIME;
import static dev.streamtrain.jobs.config.TrainingJobOptions.EPOCH_SAMPLES;
import static dev.streamtrain.jobs.config.TrainingJobOptions.EXPERIMENT;
import static dev.streamtrain.jobs.config.TrainingJobOptions.INTEROP_THREADS;
import static dev.streamtrain.jobs.config.TrainingJobOptions.MODEL_NAME;
import static dev.streamtrain.jobs.config.TrainingJobOptions.RUN;
import static dev.streamtrain.jobs.config.TrainingJobOptions.STORE_BUCKET;
import static dev.streamtrain.jobs.config.TrainingJobOptions.STORE_KEEP_BEST;
import static dev.streamtrain.jobs.config.TrainingJobOptions.STORE_KEEP_LAST;
import static dev.streamtrain.jobs.config.TrainingJobOptions.THREADS;

import dev.streamtrain.eval.EvalSettings;
import dev.streamtrain.eval.PageHinkley;
import dev.streamtrain.eval.PromotionGate;
import dev.streamtrain.operator.GuardSettings;
import dev.streamtrain.sample.SampleSchema;
import dev.streamtrain.store.RetentionPolicy;
import dev.streamtrain.store.RunKey;
import dev.streamtrain.store.S3Endpoint;
import dev.streamtrain.store.S3Settings;
import dev.streamtrain.trainer.EpochPolicy;
import dev.streamtrain.trainer.ModelSpec;
import dev.streamtrain.trainer.TorchThreads;
import java.io.Serializable;
import java.net.URI;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;

/**
 * The validated configuration of one training job. Built from a YAML file and {@code --key value}
 * arguments; everything is checked here, at start-up, with messages that say what to fix — a bad
 * value never reaches a running job.
 */
public final class JobConfig implements Serializable {
    private static final long serialVersionUID = 1L;
    private final Configuration conf;
    private final ModelSpec modelSpec;
    private final SampleSchema sampleSchema;

    private JobConfig(Configuration conf) {
        this.conf = conf;
        List<String> problems = ConfigChecks.problems(conf);
        SampleSchema schema = null;
        ModelSpec spec = null;
        if (problems.isEmpty()) {
            try {
                schema = JobSpecs.sampleSchema(conf);
            } catch (IllegalArgumentException | IllegalStateException e) {
                problems.add("sample configuration: " + e.getMessage());
            }
            if (schema != null) {
                try {
                    spec = JobSpecs.modelSpec(conf, schema);
                } catch (IllegalArgumentException | IllegalStateException e) {
                    problems.add("model configuration: " + e.getMessage());
                }
            }
            try {
                evalSettings(conf);
            } catch (IllegalArgumentException e) {
                problems.add("evaluation: " + e.getMessage());
            }
            if (schema != null) {
                try {
                    if (!promotionGate(conf, schema).always()
                            && conf.get(TrainingJobOptions.EVAL_HOLDOUT_FRACTION) <= 0) {
                        problems.add("promotion: store.promote-mode=metric judges epochs by their holdout metric:"
                                + " set eval.holdout-fraction above 0");
                    }
                } catch (IllegalArgumentException e) {
                    problems.add("promotion: " + e.getMessage());
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new InvalidConfigurationException(problems);
        }
        this.sampleSchema = schema;
        this.modelSpec = spec;
    }

    /** From {@code --config file.yaml} (optional) and {@code --key value} / {@code --key=value} arguments, which win. */
    public static JobConfig fromArgs(String[] args) {
        Map<String, String> given = KeyValueArguments.parse(List.of(args));
        Map<String, String> values = new LinkedHashMap<>();
        String file = given.remove("config");
        if (file != null) {
            values.putAll(YamlConfigFile.read(Paths.get(file)));
        }
        values.putAll(given);
        return fromMap(values);
    }

    public static JobConfig fromMap(Map<String, String> values) {
        ConfigChecks.rejectUnknownKeys(values);
        Configuration conf = Configuration.fromMap(values);
        ConfigChecks.parseEveryTypedValue(conf, values);
        return new JobConfig(conf);
    }

    /**
     * The S3 endpoint and credentials for the AWS SDK (preflight, versioned mode): Flink's own
     * {@code s3.*} keys given with the job win, else the AWS_* environment; empty when neither has all.
     */
    public Optional<S3Endpoint> s3Endpoint() {
        try {
            return S3Settings.resolve(
                    S3Settings.Source.flink(flinkConfiguration().toMap()), S3Settings.Source.environment());
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigurationException(List.of(e.getMessage() + " (s3.endpoint or AWS_ENDPOINT_URL)"));
        }
    }

    /** {@code run.experiment}/{@code run.name}/{@code model.name}: the run this job trains. */
    public RunKey runKey() {
        return new RunKey(conf.get(EXPERIMENT), conf.get(RUN), conf.get(MODEL_NAME));
    }

    public <T> T get(ConfigOption<T> option) {
        return conf.get(option);
    }

    /** The artifact bucket: store.bucket, else the bucket of an s3:// checkpoint.dir. */
    public String storeBucket() {
        return conf.getOptional(STORE_BUCKET)
                .orElseGet(() -> URI.create(conf.get(CHECKPOINT_DIR)).getHost());
    }

    /** model.threads and model.interop-threads (validated at construction). */
    public TorchThreads.Request torchThreads() {
        return new TorchThreads.Request(
                TorchThreads.Request.parse(THREADS.key(), conf.get(THREADS)),
                TorchThreads.Request.parse(INTEROP_THREADS.key(), conf.get(INTEROP_THREADS)));
    }

    public EpochPolicy epochPolicy() {
        return conf.getOptional(EPOCH_EVENT_TIME)
                .map(EpochPolicy::eventTime)
                .orElseGet(() -> EpochPolicy.everySamples(conf.get(EPOCH_SAMPLES)));
    }

    public RetentionPolicy retentionPolicy() {
        return new RetentionPolicy(conf.get(STORE_KEEP_LAST), conf.get(STORE_KEEP_BEST));
    }

    /** The divergence guard's thresholds; dead letters it makes are written in the job's sample format. */
    public GuardSettings guardSettings() {
        return new GuardSettings(
                conf.get(TrainingJobOptions.GUARD_ENABLED),
                conf.get(TrainingJobOptions.GUARD_LOSS_MULTIPLE),
                conf.get(TrainingJobOptions.GUARD_CONSECUTIVE_BATCHES),
                conf.get(TrainingJobOptions.GUARD_MEAN_BATCHES),
                sampleSchema);
    }

    /** The holdout split and drift detection ({@code eval.*}). */
    public EvalSettings evalSettings() {
        return evalSettings(conf);
    }

    private static EvalSettings evalSettings(Configuration conf) {
        PageHinkley.Settings drift = conf.get(TrainingJobOptions.EVAL_DRIFT_DETECTION)
                ? new PageHinkley.Settings(
                        conf.get(TrainingJobOptions.EVAL_DRIFT_DELTA),
                        conf.get(TrainingJobOptions.EVAL_DRIFT_THRESHOLD),
                        conf.get(TrainingJobOptions.EVAL_DRIFT_MIN_BATCHES))
                : null;
        return new EvalSettings(
                conf.get(TrainingJobOptions.EVAL_HOLDOUT_FRACTION),
                conf.get(TrainingJobOptions.EVAL_HOLDOUT_MAX_ROWS),
                drift);
    }

    /** Which epochs become {@code latest} ({@code store.promote-*}). */
    public PromotionGate promotionGate() {
        return promotionGate(conf, sampleSchema);
    }

    private static PromotionGate promotionGate(Configuration conf, SampleSchema schema) {
        String mode = conf.get(TrainingJobOptions.STORE_PROMOTE_MODE);
        double tolerance = conf.get(TrainingJobOptions.STORE_PROMOTE_TOLERANCE);
        if (!(tolerance >= 0)) {
            throw new IllegalArgumentException("store.promote-tolerance must be >= 0, got " + tolerance);
        }
        Boolean higherIsBetter = conf.getOptional(TrainingJobOptions.STORE_PROMOTE_DIRECTION)
                .map(JobConfig::higherIsBetter)
                .orElse(null);
        return switch (mode) {
            case "always" -> PromotionGate.promoteAlways();
            case "metric" ->
                PromotionGate.onMetric(
                        conf.get(TrainingJobOptions.STORE_PROMOTE_METRIC),
                        schema.labelKind(),
                        higherIsBetter,
                        tolerance);
            default ->
                throw new IllegalArgumentException("store.promote-mode must be always or metric, got '" + mode + "'");
        };
    }

    private static boolean higherIsBetter(String direction) {
        return switch (direction) {
            case "higher" -> true;
            case "lower" -> false;
            default ->
                throw new IllegalArgumentException(
                        "store.promote-direction must be lower or higher, got '" + direction + "'");
        };
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
            if (ConfigChecks.isFlinkKey(k)) {
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

    /**
     * Whether a job key's value is a secret (masked wherever the configuration is shown): the S3
     * credentials and every secret Kafka client property ({@link KafkaClientProperties#isSecretClientKey}).
     * Also used for {@code --key} command-line arguments, hence the dashes allowed in front.
     */
    public static boolean isSecret(String key) {
        String k = key.replaceFirst("^-+", "");
        return k.contains("secret")
                || k.contains("password")
                || k.contains("access-key")
                || (k.startsWith(KafkaClientProperties.PREFIX)
                        && KafkaClientProperties.isSecretClientKey(k.substring(KafkaClientProperties.PREFIX.length())));
    }

    /** The {@code kafka.properties.*} client properties, prefix stripped, for every Kafka client of the job. */
    public Map<String, String> kafkaClientProperties() {
        return KafkaClientProperties.fromJobKeys(conf.toMap());
    }
}
