package dev.streamtrain.jobs;

import dev.streamtrain.events.EventRecord;
import dev.streamtrain.jobs.config.JobConfig;
import dev.streamtrain.jobs.config.TrainingJobOptions;
import dev.streamtrain.operator.ModelTrainerOperator;
import dev.streamtrain.operator.ResumeFromArtifact;
import dev.streamtrain.operator.TrainerSettings;
import dev.streamtrain.rollback.ArtifactRestorePoint;
import dev.streamtrain.sample.DeadLetter;
import dev.streamtrain.sample.DecodedRow;
import dev.streamtrain.sample.KafkaRowDeserializer;
import dev.streamtrain.sample.SampleBatcher;
import dev.streamtrain.sample.SampleBlock;
import dev.streamtrain.sample.SampleValidator;
import dev.streamtrain.store.ArtifactSettings;
import dev.streamtrain.store.ObjectSink;
import dev.streamtrain.store.RunKey;
import dev.streamtrain.store.S3MultipartSink;
import dev.streamtrain.store.WarmStart;
import dev.streamtrain.trainer.RunLineage;
import dev.streamtrain.trainer.TrainingReport;
import java.util.function.UnaryOperator;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The online training job: samples from Kafka → decode and validate (bad records to the
 * dead-letter topic) → the DJL trainer, whose model lives in Flink's exactly-once state → reports.
 *
 * <p>Sources and sinks come in through the constructor; {@link #main} wires the Kafka ones, and tests
 * wire their own.
 */
public final class OnlineTrainingJob {
    private static final Logger LOG = LoggerFactory.getLogger(OnlineTrainingJob.class);

    private final JobConfig config;
    private final Source<DecodedRow, ?, ?> samples;
    private final Sink<DeadLetter> deadLetters;
    private final Sink<TrainingReport> reports;
    private final Sink<EventRecord> events;
    private UnaryOperator<DataStream<SampleBlock>> beforeTrainer = UnaryOperator.identity();
    private ArtifactRestorePoint restoreFrom;
    private WarmStart warmStart;

    public OnlineTrainingJob(
            JobConfig config,
            Source<DecodedRow, ?, ?> samples,
            Sink<DeadLetter> deadLetters,
            Sink<EventRecord> events,
            Sink<TrainingReport> reports) {
        this.config = config;
        this.samples = samples;
        this.deadLetters = deadLetters;
        this.events = events;
        this.reports = reports;
    }

    /** A stage between validation and training (tests inject failures here). */
    public OnlineTrainingJob beforeTrainer(UnaryOperator<DataStream<SampleBlock>> stage) {
        this.beforeTrainer = stage;
        return this;
    }

    /**
     * A start without Flink state continues from this epoch artifact ({@code restore.from-artifact}):
     * the trainer from its state; the caller starts the source at {@link ArtifactRestorePoint#nextOffsets()}.
     * Null: from scratch.
     */
    public OnlineTrainingJob restoreFrom(ArtifactRestorePoint point) {
        this.restoreFrom = point;
        return this;
    }

    /** A fresh start (no Flink state, no {@link #restoreFrom}) begins with these weights ({@code model.init-from}); null: the seed's. */
    public OnlineTrainingJob warmStart(WarmStart warmStart) {
        this.warmStart = warmStart;
        return this;
    }

    /** Production wiring: Kafka in; dead letters and checkpoint events to Kafka; reports to the log. */
    public static void main(String[] args) throws Exception {
        JobConfig config = JobConfig.fromArgs(args);
        LOG.info("streamtrain configuration: {}", config.describe());
        Preflight.check(config);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(environmentConfig(config));
        ArtifactRestorePoint from = OnlineTrainingJobRestore.load(config, env.getConfiguration());
        WarmStart warm = OnlineTrainingJobWarmStart.load(config, env.getConfiguration(), from != null);
        new OnlineTrainingJob(
                        config,
                        KafkaWiring.samplesSource(config, from == null ? null : from.nextOffsets()),
                        KafkaWiring.deadLetterSink(config),
                        KafkaWiring.eventSink(config),
                        new ReportLogSink())
                .restoreFrom(from)
                .warmStart(warm)
                .execute(env);
    }

    /** Where the trainer writes its artifacts. */
    public static ArtifactSettings artifactSettings(JobConfig config) {
        boolean versioned = config.get(TrainingJobOptions.STORE_VERSIONED);
        return new ArtifactSettings(
                config.storeBucket(),
                config.runKey(),
                versioned,
                versioned ? config.s3Endpoint().orElse(null) : null);
    }

    /**
     * Artifacts go through the AWS SDK's parallel multipart uploads when the S3 endpoint and
     * credentials are known (s3.* keys or AWS_*), else through Flink's s3:// filesystem like the checkpoints.
     */
    static ObjectSink artifactSink(JobConfig config) {
        return config.s3Endpoint().<ObjectSink>map(S3MultipartSink::new).orElse(ObjectSink.FLINK_FILE_SYSTEM);
    }

    /** Checkpointing as the product needs it: exactly-once, to the configured directory, retained on cancel. */
    public static Configuration environmentConfig(JobConfig config) {
        Configuration conf = config.flinkConfiguration();
        conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, config.get(TrainingJobOptions.CHECKPOINT_DIR));
        conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, config.get(TrainingJobOptions.CHECKPOINT_INTERVAL));
        conf.set(CheckpointingOptions.CHECKPOINTING_CONSISTENCY_MODE, CheckpointingMode.EXACTLY_ONCE);
        conf.set(
                CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION,
                ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        // the job's own keys, secrets masked, as Flink's global job parameters: shown in the web UI and
        // read back by ./streamtrain rollback to restart the job as it was configured
        conf.set(PipelineOptions.GLOBAL_JOB_PARAMETERS, config.describe());
        return conf;
    }

    /** Adds the pipeline to {@code env} and returns the trainer's report stream. */
    public DataStream<TrainingReport> build(StreamExecutionEnvironment env) {
        int sourceParallelism = config.get(TrainingJobOptions.SOURCE_PARALLELISM);
        // the source decodes and validates each record into one reused row; the batcher, chained to
        // it (same parallelism, forward edge), gathers valid rows into blocks of one mini-batch
        SingleOutputStreamOperator<SampleBlock> valid = env.fromSource(
                        samples,
                        WatermarkStrategy.<DecodedRow>forMonotonousTimestamps()
                                .withTimestampAssigner(KafkaRowDeserializer.eventTimeAssigner()),
                        "samples")
                .uid(OperatorUids.SAMPLES_SOURCE)
                .setParallelism(sourceParallelism)
                .transform(
                        "decode + validate",
                        TypeInformation.of(SampleBlock.class),
                        new SampleBatcher(
                                config.sampleSchema(), config.modelSpec().batchSize()))
                .uid(OperatorUids.SAMPLE_VALIDATOR)
                .setParallelism(sourceParallelism);

        SingleOutputStreamOperator<TrainingReport> trained = beforeTrainer
                .apply(valid)
                .transform(
                        "train " + config.modelSpec().kind(),
                        TypeInformation.of(TrainingReport.class),
                        new ModelTrainerOperator(trainerSettings(env.getConfiguration())))
                .uid(OperatorUids.MODEL_TRAINER)
                .setParallelism(1)
                .setMaxParallelism(1);

        // invalid records, and the samples of batches the divergence guard skipped, share the DLQ sink
        valid.getSideOutput(SampleValidator.DEAD_LETTERS)
                .union(trained.getSideOutput(ModelTrainerOperator.DIVERGED_SAMPLES))
                .sinkTo(deadLetters)
                .name("dead letters")
                .uid(OperatorUids.DEAD_LETTER_SINK)
                .setParallelism(sourceParallelism);
        trained.getSideOutput(ModelTrainerOperator.CHECKPOINT_EVENTS)
                .sinkTo(events)
                .name("checkpoint events")
                .uid(OperatorUids.EVENT_SINK)
                .setParallelism(1);
        trained.sinkTo(reports)
                .name("training reports")
                .uid(OperatorUids.REPORT_SINK)
                .setParallelism(1);
        return trained;
    }

    private TrainerSettings trainerSettings(ReadableConfig effective) {
        return TrainerSettings.builder(config.modelSpec())
                .objectSink(artifactSink(config))
                .reportEverySamples(config.get(TrainingJobOptions.REPORT_EVERY))
                .epochPolicy(config.epochPolicy())
                .artifacts(artifactSettings(config))
                .retention(config.retentionPolicy())
                // the effective value (the cluster's config.yaml under flink run), not only the job's keys:
                // retention must keep what every retained checkpoint would roll back to
                .retainedCheckpoints(effective.get(CheckpointingOptions.MAX_RETAINED_CHECKPOINTS))
                .lineage(lineage(effective))
                .guard(config.guardSettings())
                .eval(config.evalSettings())
                .promotion(config.promotionGate())
                .threads(config.torchThreads())
                .resume(restoreFrom == null ? null : resume(restoreFrom))
                .warmStart(restoreFrom == null ? warmStart : null)
                .build();
    }

    private static ResumeFromArtifact resume(ArtifactRestorePoint point) {
        return new ResumeFromArtifact(
                point.state(),
                point.epoch(),
                Math.max(1, point.manifest().attempt()),
                point.manifest().resume());
    }

    /** The attempt, and where this job's checkpoints go (effective values), for the events' restore points. */
    private RunLineage lineage(ReadableConfig effective) {
        return new RunLineage(
                config.get(TrainingJobOptions.ATTEMPT),
                effective
                        .getOptional(CheckpointingOptions.CHECKPOINTS_DIRECTORY)
                        .orElse(null),
                effective.get(CheckpointingOptions.CREATE_CHECKPOINT_SUB_DIR));
    }

    public void execute(StreamExecutionEnvironment env) throws Exception {
        build(env);
        env.execute(jobName());
    }

    public JobClient executeAsync(StreamExecutionEnvironment env) throws Exception {
        build(env);
        return env.executeAsync(jobName());
    }

    private String jobName() {
        return jobName(config.runKey());
    }

    /** The Flink job name of a run: how tools find its job on a cluster. */
    public static String jobName(RunKey key) {
        return "streamtrain " + key;
    }
}
