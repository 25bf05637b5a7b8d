package dev.streamtrain.jobs.config;

import dev.streamtrain.eval.EvalSettings;
import dev.streamtrain.operator.GuardSettings;
import dev.streamtrain.sample.LabelKind;
import dev.streamtrain.sample.SampleFormat;
import dev.streamtrain.store.S3Settings;
import dev.streamtrain.trainer.ModelSpec;
import java.time.Duration;
import java.util.List;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

/**
 * Every configuration key of the training job, in ONE place (a public contract: the table in
 * docs/configuration.md lists exactly these names, checked by ConfigDocumentationTest). Keys are
 * read from a YAML file ({@code --config conf/job.example.yaml}) and {@code --key value}
 * arguments, which win.
 */
public final class TrainingJobOptions {
    private TrainingJobOptions() {}

    // --- where the samples come from ---------------------------------------------------------
    public static final ConfigOption<String> KAFKA_BOOTSTRAP_SERVERS = ConfigOptions.key("kafka.bootstrap-servers")
            .stringType()
            .noDefaultValue()
            .withDescription("Kafka bootstrap servers, host:port[,host:port]. Required.");
    public static final ConfigOption<String> SAMPLES_TOPIC = ConfigOptions.key("kafka.samples-topic")
            .stringType()
            .defaultValue("samples")
            .withDescription("Topic the training samples are read from.");
    public static final ConfigOption<String> DLQ_TOPIC = ConfigOptions.key("kafka.dlq-topic")
            .stringType()
            .defaultValue("samples-dlq")
            .withDescription("Dead-letter topic for invalid samples (original bytes + reason headers).");
    public static final ConfigOption<String> GROUP_ID = ConfigOptions.key("kafka.group-id")
            .stringType()
            .defaultValue("streamtrain")
            .withDescription("Consumer group id (offsets live in Flink checkpoints; the group only shows progress).");
    public static final ConfigOption<StartingOffsets> STARTING_OFFSETS = ConfigOptions.key("kafka.starting-offsets")
            .enumType(StartingOffsets.class)
            .defaultValue(StartingOffsets.EARLIEST)
            .withDescription(
                    "Where a job without a checkpoint starts: EARLIEST, LATEST or COMMITTED (the group's offsets, else earliest).");
    public static final ConfigOption<Boolean> BOUNDED = ConfigOptions.key("kafka.bounded")
            .booleanType()
            .defaultValue(false)
            .withDescription("Stop at the offsets that are latest when the job starts (demos, tests, backfills).");
    public static final ConfigOption<Duration> TRANSACTION_TIMEOUT = ConfigOptions.key("kafka.transaction-timeout")
            .durationType()
            .defaultValue(Duration.ofMinutes(10))
            .withDescription(
                    "Kafka transaction timeout of the exactly-once sinks; must not exceed the broker's transaction.max.timeout.ms (15 min by default).");
    public static final ConfigOption<Integer> SOURCE_PARALLELISM = ConfigOptions.key("kafka.source-parallelism")
            .intType()
            .defaultValue(1)
            .withDescription("Parallelism of the Kafka source and the decoder (the trainer always runs with 1).");

    public static final ConfigOption<String> EVENTS_TOPIC = ConfigOptions.key("kafka.events-topic")
            .stringType()
            .defaultValue("model-checkpoints")
            .withDescription(
                    "Topic of the checkpoint events (one per committed epoch-window, exactly once; read with isolation.level=read_committed).");

    // --- what a sample looks like ------------------------------------------------------------
    public static final ConfigOption<SampleFormat> SAMPLE_FORMAT = ConfigOptions.key("sample.format")
            .enumType(SampleFormat.class)
            .defaultValue(SampleFormat.JSON)
            .withDescription("JSON or BINARY (docs/sample-formats.md).");
    public static final ConfigOption<Integer> FEATURE_DIM = ConfigOptions.key("sample.feature-dim")
            .intType()
            .noDefaultValue()
            .withDescription("Number of features per sample. Required.");
    public static final ConfigOption<LabelKind> LABEL_KIND = ConfigOptions.key("sample.label-kind")
            .enumType(LabelKind.class)
            .defaultValue(LabelKind.REGRESSION)
            .withDescription("REGRESSION, BINARY or CLASS.");
    public static final ConfigOption<Integer> LABEL_DIM = ConfigOptions.key("sample.label-dim")
            .intType()
            .defaultValue(1)
            .withDescription("Label values per sample (REGRESSION, BINARY).");
    public static final ConfigOption<Integer> NUM_CLASSES = ConfigOptions.key("sample.num-classes")
            .intType()
            .defaultValue(0)
            .withDescription("Number of classes (CLASS labels).");
    public static final ConfigOption<Integer> MAX_RECORD_BYTES = ConfigOptions.key("sample.max-record-bytes")
            .intType()
            .defaultValue(1 << 20)
            .withDescription("Larger records go to the dead-letter topic as OVERSIZE.");

    // --- the model -----------------------------------------------------------------------------
    public static final ConfigOption<ModelSpec.Kind> MODEL_KIND = ConfigOptions.key("model.kind")
            .enumType(ModelSpec.Kind.class)
            .defaultValue(ModelSpec.Kind.MLP)
            .withDescription("MLP, LINEAR or LOGISTIC.");
    public static final ConfigOption<List<Integer>> HIDDEN = ConfigOptions.key("model.hidden")
            .intType()
            .asList()
            .defaultValues(256, 256)
            .withDescription("Hidden layer sizes of an MLP, e.g. 256;256.");
    public static final ConfigOption<ModelSpec.Activation> ACTIVATION = ConfigOptions.key("model.activation")
            .enumType(ModelSpec.Activation.class)
            .defaultValue(ModelSpec.Activation.RELU)
            .withDescription("RELU, TANH or SIGMOID.");
    public static final ConfigOption<ModelSpec.Loss> LOSS = ConfigOptions.key("model.loss")
            .enumType(ModelSpec.Loss.class)
            .noDefaultValue()
            .withDescription("MSE, BCE_WITH_LOGITS or SOFTMAX_CROSS_ENTROPY; default follows sample.label-kind.");
    public static final ConfigOption<ModelSpec.Optimizer> OPTIMIZER = ConfigOptions.key("model.optimizer")
            .enumType(ModelSpec.Optimizer.class)
            .defaultValue(ModelSpec.Optimizer.ADAM)
            .withDescription("ADAM or SGD.");
    public static final ConfigOption<Float> LEARNING_RATE = ConfigOptions.key("model.learning-rate")
            .floatType()
            .defaultValue(1e-3f)
            .withDescription("Optimizer learning rate.");
    public static final ConfigOption<Integer> BATCH_SIZE = ConfigOptions.key("model.batch-size")
            .intType()
            .defaultValue(256)
            .withDescription("Samples per optimizer step (batches are formed by count only).");
    public static final ConfigOption<Long> SEED = ConfigOptions.key("model.seed")
            .longType()
            .defaultValue(42L)
            .withDescription("Seed of the initial weights.");
    public static final ConfigOption<ModelSpec.DeviceChoice> DEVICE = ConfigOptions.key("model.device")
            .enumType(ModelSpec.DeviceChoice.class)
            .defaultValue(ModelSpec.DeviceChoice.AUTO)
            .withDescription("AUTO (a GPU when DJL sees one), CPU or GPU (fail when there is none).");
    public static final ConfigOption<String> THREADS = ConfigOptions.key("model.threads")
            .stringType()
            .defaultValue("AUTO")
            .withDescription("libtorch intra-op threads of the trainer: AUTO (the slot's CPU share: TaskManager cores "
                    + "(taskmanager.cpu.cores, else all processors) / taskmanager.numberOfTaskSlots, minus 1 for the rest "
                    + "of the chain, at least 1) or a count. -Dai.djl.pytorch.num_threads on the TaskManager wins.");
    public static final ConfigOption<String> INTEROP_THREADS = ConfigOptions.key("model.interop-threads")
            .stringType()
            .defaultValue("AUTO")
            .withDescription(
                    "libtorch inter-op threads: AUTO (1; the trainer runs no inter-op parallel work) or a count. "
                            + "One pool per TaskManager process, sized by its first trainer. "
                            + "-Dai.djl.pytorch.num_interop_threads on the TaskManager wins.");

    // --- names (the object layout <bucket>/<experiment>/<run>/<model>/) -------------------------
    public static final ConfigOption<String> EXPERIMENT = ConfigOptions.key("run.experiment")
            .stringType()
            .defaultValue("default")
            .withDescription("Experiment name.");
    public static final ConfigOption<String> RUN = ConfigOptions.key("run.name")
            .stringType()
            .defaultValue("run-1")
            .withDescription("Run name within the experiment.");
    public static final ConfigOption<String> MODEL_NAME = ConfigOptions.key("run.model")
            .stringType()
            .defaultValue("model")
            .withDescription("Model name within the run.");
    public static final ConfigOption<Integer> ATTEMPT = ConfigOptions.key("run.attempt")
            .intType()
            .defaultValue(1)
            .withDescription(
                    "Lineage of the run, in every event: 1 as first started; ./streamtrain rollback restarts the job with the next one. A restored higher attempt wins.");

    public static final ConfigOption<String> RESTORE_FROM_ARTIFACT = ConfigOptions.key("restore.from-artifact")
            .stringType()
            .noDefaultValue()
            .withDescription(
                    "An epoch artifact (s3://…/epoch-NNNNNN/ or its manifest.json) to continue from when the job starts without Flink state: the trainer starts from its weights, Adam state and totals (sha256-verified), the Kafka source at its recorded next offsets. Ignored when Flink restores a checkpoint or savepoint.");

    public static final ConfigOption<String> MODEL_INIT_FROM = ConfigOptions.key("model.init-from")
            .stringType()
            .noDefaultValue()
            .withDescription(
                    "Warm start: a safetensors state_dict (a local path or s3:// URI: a .safetensors file, or an epoch artifact folder or its manifest.json, meaning its model.safetensors) whose weights, under the job's torch names, replace the seed's on a start with neither Flink state nor restore.from-artifact. Every missing, unexpected or misshapen tensor is reported at start. Manifests record it as initFrom.");

    public static final ConfigOption<Boolean> MODEL_INIT_OPTIMIZER = ConfigOptions.key("model.init-optimizer")
            .booleanType()
            .defaultValue(false)
            .withDescription(
                    "With model.init-from: also take Adam's moments and step from the optimizer.safetensors next to the weights; false: fresh optimizer state.");

    // --- epoch-windows and artifacts ------------------------------------------------------------
    public static final ConfigOption<Long> EPOCH_SAMPLES = ConfigOptions.key("epoch.samples")
            .longType()
            .defaultValue(100_000L)
            .withDescription(
                    "An epoch-window closes after this many trained samples (at the batch boundary that reaches it).");
    public static final ConfigOption<Duration> EPOCH_EVENT_TIME = ConfigOptions.key("epoch.event-time")
            .durationType()
            .noDefaultValue()
            .withDescription(
                    "If set, epoch-windows are spans of event time instead: one closes when the watermark passes its end.");
    public static final ConfigOption<String> STORE_BUCKET = ConfigOptions.key("store.bucket")
            .stringType()
            .noDefaultValue()
            .withDescription(
                    "Bucket of the model artifacts (<bucket>/<experiment>/<run>/<model>/epoch-NNNNNN/); default: the bucket of checkpoint.dir.");
    public static final ConfigOption<Boolean> STORE_VERSIONED = ConfigOptions.key("store.versioned")
            .booleanType()
            .defaultValue(false)
            .withDescription(
                    "Also write the weights to the stable key <experiment>/<run>/<model>/model.safetensors (one S3 version per epoch; needs bucket versioning).");

    public static final ConfigOption<Integer> STORE_KEEP_LAST = ConfigOptions.key("store.keep-last")
            .intType()
            .defaultValue(0)
            .withDescription(
                    "Retention: keep the artifacts of the last N epochs (0 with keep-best 0: keep all). Deletions are announced as epoch-deleted events.");
    public static final ConfigOption<Integer> STORE_KEEP_BEST = ConfigOptions.key("store.keep-best")
            .intType()
            .defaultValue(0)
            .withDescription("Retention: also keep the N epochs with the lowest mean loss.");

    public static final ConfigOption<String> STORE_PROMOTE_MODE = ConfigOptions.key("store.promote-mode")
            .stringType()
            .defaultValue("always")
            .withDescription(
                    "Which epochs become latest: always (every epoch, as before gating) or metric (only an epoch whose holdout store.promote-metric is not worse than the promoted epoch's by more than store.promote-tolerance). Every epoch is still written and announced, with promoted and promotionReason in its event and manifest (metric mode).");
    public static final ConfigOption<String> STORE_PROMOTE_METRIC = ConfigOptions.key("store.promote-metric")
            .stringType()
            .defaultValue("loss")
            .withDescription(
                    "The holdout metric promotion compares: loss, or a task metric of the label kind (REGRESSION: mse, mae; BINARY: logLoss, accuracy, rocAuc; CLASS: logLoss, accuracy, top5Accuracy).");
    public static final ConfigOption<String> STORE_PROMOTE_DIRECTION = ConfigOptions.key("store.promote-direction")
            .stringType()
            .noDefaultValue()
            .withDescription(
                    "lower or higher: which way the metric is better; default from the metric (loss, mse, mae, logLoss: lower; accuracy, rocAuc, top5Accuracy: higher).");
    public static final ConfigOption<Double> STORE_PROMOTE_TOLERANCE = ConfigOptions.key("store.promote-tolerance")
            .doubleType()
            .defaultValue(0.0)
            .withDescription(
                    "How much worse than the promoted epoch's metric a new epoch may be and still be promoted, in the metric's units (>= 0).");

    // --- TLS of the S3 endpoint (beside Flink's own s3.* keys) -----------------------------------
    public static final ConfigOption<String> S3_TRUST_STORE = ConfigOptions.key(S3Settings.TRUST_STORE)
            .stringType()
            .noDefaultValue()
            .withDescription("The CAs an https s3.endpoint is checked against, for a private CA: a PKCS12 or JKS"
                    + " trust store, or a PEM file of CA certificates. Used by the AWS SDK clients (preflight,"
                    + " versioned mode, the tools); Flink's s3:// filesystem needs the JVM-wide"
                    + " javax.net.ssl.trustStore (README \"Secured Kafka and S3\"). Unset: the JVM's own CAs.");
    public static final ConfigOption<String> S3_TRUST_STORE_PASSWORD = ConfigOptions.key(
                    S3Settings.TRUST_STORE_PASSWORD)
            .stringType()
            .noDefaultValue()
            .withDescription("Password of s3.trust-store (a store; not for a PEM file). Secret: masked.");

    // --- checkpoints and reports ---------------------------------------------------------------
    public static final ConfigOption<String> CHECKPOINT_DIR = ConfigOptions.key("checkpoint.dir")
            .stringType()
            .noDefaultValue()
            .withDescription(
                    "Where Flink checkpoints go, e.g. s3://bucket/checkpoints (flink-s3-fs-presto). Required.");
    public static final ConfigOption<Duration> CHECKPOINT_INTERVAL = ConfigOptions.key("checkpoint.interval")
            .durationType()
            .defaultValue(Duration.ofSeconds(30))
            .withDescription("Checkpoint interval; also the delay before committed output becomes visible.");
    public static final ConfigOption<Long> REPORT_EVERY = ConfigOptions.key("report.every-samples")
            .longType()
            .defaultValue(50_000L)
            .withDescription("A training report (loss, samples/s) every this many trained samples.");

    // --- divergence guard -----------------------------------------------------------------------
    public static final ConfigOption<Boolean> GUARD_ENABLED = ConfigOptions.key("guard.enabled")
            .booleanType()
            .defaultValue(true)
            .withDescription(
                    "The divergence guard: on a non-finite loss, or a loss above guard.loss-multiple times the running mean for guard.consecutive-batches batches in a row, restore the last good window's weights and optimizer state, dead-letter the batches (reason DIVERGED) and emit a diverged event.");
    public static final ConfigOption<Double> GUARD_LOSS_MULTIPLE = ConfigOptions.key("guard.loss-multiple")
            .doubleType()
            .defaultValue(GuardSettings.DEFAULT_LOSS_MULTIPLE)
            .withDescription("A batch loss above this multiple of the running mean is suspect (> 1).");
    public static final ConfigOption<Integer> GUARD_CONSECUTIVE_BATCHES = ConfigOptions.key("guard.consecutive-batches")
            .intType()
            .defaultValue(GuardSettings.DEFAULT_CONSECUTIVE_BATCHES)
            .withDescription(
                    "This many suspect batches in a row make the guard fire (a non-finite loss fires at once).");
    public static final ConfigOption<Integer> GUARD_MEAN_BATCHES = ConfigOptions.key("guard.mean-batches")
            .intType()
            .defaultValue(GuardSettings.DEFAULT_MEAN_BATCHES)
            .withDescription(
                    "The running mean averages about this many recent accepted batches; the ratio test starts after this many.");

    // --- evaluation -------------------------------------------------------------------------------
    public static final ConfigOption<Double> EVAL_HOLDOUT_FRACTION = ConfigOptions.key("eval.holdout-fraction")
            .doubleType()
            .defaultValue(EvalSettings.DEFAULT_HOLDOUT_FRACTION)
            .withDescription(
                    "The share of valid Kafka samples never trained on, chosen by a hash of partition and offset; each window's holdout rows are scored at its end (metrics.holdout). In [0, 1); 0 disables the holdout.");
    public static final ConfigOption<Integer> EVAL_HOLDOUT_MAX_ROWS = ConfigOptions.key("eval.holdout-max-rows")
            .intType()
            .defaultValue(EvalSettings.DEFAULT_HOLDOUT_MAX_ROWS)
            .withDescription(
                    "At most this many holdout rows per epoch-window are kept in state and scored (the first in stream order); later ones are neither trained nor scored.");
    public static final ConfigOption<Boolean> EVAL_DRIFT_DETECTION = ConfigOptions.key("eval.drift-detection")
            .booleanType()
            .defaultValue(true)
            .withDescription(
                    "A Page-Hinkley test over each accepted batch's loss before its update; a signal emits a drift-detected event. Detection only.");
    public static final ConfigOption<Double> EVAL_DRIFT_DELTA = ConfigOptions.key("eval.drift-delta")
            .doubleType()
            .defaultValue(EvalSettings.DEFAULT_DRIFT_DELTA)
            .withDescription("Page-Hinkley's tolerated rise of a batch loss above the running mean (>= 0).");
    public static final ConfigOption<Double> EVAL_DRIFT_THRESHOLD = ConfigOptions.key("eval.drift-threshold")
            .doubleType()
            .defaultValue(EvalSettings.DEFAULT_DRIFT_THRESHOLD)
            .withDescription(
                    "Page-Hinkley signals when the cumulative rise exceeds this, in loss units summed over batches (> 0).");
    public static final ConfigOption<Long> EVAL_DRIFT_MIN_BATCHES = ConfigOptions.key("eval.drift-min-batches")
            .longType()
            .defaultValue(EvalSettings.DEFAULT_DRIFT_MIN_BATCHES)
            .withDescription(
                    "No signal before the detector has seen this many batches (since the start or its last signal).");

    /** All keys, for validation of unknown keys and for the documentation. */
    public static final List<ConfigOption<?>> ALL = List.of(
            KAFKA_BOOTSTRAP_SERVERS,
            SAMPLES_TOPIC,
            DLQ_TOPIC,
            EVENTS_TOPIC,
            GROUP_ID,
            STARTING_OFFSETS,
            BOUNDED,
            TRANSACTION_TIMEOUT,
            SOURCE_PARALLELISM,
            SAMPLE_FORMAT,
            FEATURE_DIM,
            LABEL_KIND,
            LABEL_DIM,
            NUM_CLASSES,
            MAX_RECORD_BYTES,
            MODEL_KIND,
            HIDDEN,
            ACTIVATION,
            LOSS,
            OPTIMIZER,
            LEARNING_RATE,
            BATCH_SIZE,
            SEED,
            DEVICE,
            THREADS,
            INTEROP_THREADS,
            EXPERIMENT,
            RUN,
            MODEL_NAME,
            ATTEMPT,
            RESTORE_FROM_ARTIFACT,
            MODEL_INIT_FROM,
            MODEL_INIT_OPTIMIZER,
            EPOCH_SAMPLES,
            EPOCH_EVENT_TIME,
            STORE_BUCKET,
            STORE_VERSIONED,
            STORE_KEEP_LAST,
            STORE_KEEP_BEST,
            STORE_PROMOTE_MODE,
            STORE_PROMOTE_METRIC,
            STORE_PROMOTE_DIRECTION,
            STORE_PROMOTE_TOLERANCE,
            S3_TRUST_STORE,
            S3_TRUST_STORE_PASSWORD,
            CHECKPOINT_DIR,
            CHECKPOINT_INTERVAL,
            REPORT_EVERY,
            GUARD_ENABLED,
            GUARD_LOSS_MULTIPLE,
            GUARD_CONSECUTIVE_BATCHES,
            GUARD_MEAN_BATCHES,
            EVAL_HOLDOUT_FRACTION,
            EVAL_HOLDOUT_MAX_ROWS,
            EVAL_DRIFT_DETECTION,
            EVAL_DRIFT_DELTA,
            EVAL_DRIFT_THRESHOLD,
            EVAL_DRIFT_MIN_BATCHES);

    /** Where a job without a checkpoint starts reading. */
    public enum StartingOffsets {
        EARLIEST,
        LATEST,
        COMMITTED
    }
}
