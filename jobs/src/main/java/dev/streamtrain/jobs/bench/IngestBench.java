package dev.streamtrain.jobs.bench;

import com.sun.management.OperatingSystemMXBean;
import dev.streamtrain.jobs.KafkaClients;
import dev.streamtrain.jobs.KafkaWiring;
import dev.streamtrain.jobs.OperatorUids;
import dev.streamtrain.jobs.config.JobConfig;
import dev.streamtrain.localstack.LocalStack;
import dev.streamtrain.sample.DecodedRow;
import dev.streamtrain.sample.KafkaRowDeserializer;
import dev.streamtrain.sample.SampleBatcher;
import dev.streamtrain.sample.SampleBlock;
import dev.streamtrain.sample.SampleFormat;
import dev.streamtrain.sample.SampleValidator;
import dev.streamtrain.sample.synthetic.TeacherStream;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * The sample path without a model: Kafka → decode + validate → blocks handed to a no-op trainer
 * ({@link IngestProbe}), wired as the training job wires it (the production source, {@link
 * SampleBatcher} chained to it, parallelism 1), against the ceiling: a plain {@link KafkaConsumer}
 * loop that only reads the same bytes. Both in this JVM, from the same pre-produced topic (one
 * partition), each timed from its first record to its last, so start-up is left out. Per core means
 * per second of this JVM's CPU time (the broker runs in a child JVM and is not counted).
 */
public final class IngestBench {
    private IngestBench() {}

    public static final int FEATURE_DIM = 64;

    /** One JSON row per format. */
    public static Map<String, Object> run(
            LocalStack stack, SampleFormat format, long samples, int blockRows, Consumer<String> progress)
            throws Exception {
        String id = "ingest-" + format.name().toLowerCase() + "-"
                + UUID.randomUUID().toString().substring(0, 8);
        String topic = id + "-samples";
        KafkaClients.createTopics(stack.bootstrapServers(), topic);
        progress.accept(String.format(
                "== ingest %s: producing %,d samples of %d features to %s (not timed)…",
                format, samples, FEATURE_DIM, topic));
        TeacherStream stream = TeacherStream.builder()
                .format(format)
                .featureDim(FEATURE_DIM)
                .regression(1)
                .seed(11)
                .build();
        long bytes = BenchKafka.produce(stack.bootstrapServers(), topic, stream, samples, progress);

        progress.accept("ceiling: a plain KafkaConsumer loop reading the same records…");
        Rate ceiling = plainConsumer(stack.bootstrapServers(), topic, samples, bytes);
        progress.accept(ceiling.describe("plain consumer"));

        progress.accept("pipeline: KafkaSource → decode + validate → blocks → no-op trainer, in a MiniCluster…");
        CpuMeter meter = CpuMeter.start();
        Rate pipeline = pipeline(stack.bootstrapServers(), id, topic, format, samples, bytes, blockRows);
        CpuMeter.Usage usage = meter.stop();
        progress.accept(pipeline.describe("pipeline") + "; " + usage.describe());

        Map<String, Object> row = new LinkedHashMap<>();
        row.put("model", "ingest");
        row.put("format", format.name());
        row.put("featureDim", FEATURE_DIM);
        row.put("blockRows", blockRows);
        row.put("samples", samples);
        row.put("recordBytes", Math.round((double) bytes / samples));
        row.put("pipelineSamplesPerSecond", Math.round(pipeline.samplesPerSecond()));
        row.put("pipelineSamplesPerCoreSecond", Math.round(pipeline.samplesPerCoreSecond()));
        row.put("pipelineMBps", round3(pipeline.mbPerSecond()));
        row.put("pipelineMBPerCoreSecond", round3(pipeline.mbPerCoreSecond()));
        row.put("pipelineJvmCores", round3(pipeline.cores()));
        row.put("consumerSamplesPerSecond", Math.round(ceiling.samplesPerSecond()));
        row.put("consumerSamplesPerCoreSecond", Math.round(ceiling.samplesPerCoreSecond()));
        row.put("consumerMBps", round3(ceiling.mbPerSecond()));
        row.put("consumerJvmCores", round3(ceiling.cores()));
        row.put("ratio", round3(pipeline.samplesPerSecond() / ceiling.samplesPerSecond()));
        row.put("perCoreRatio", round3(pipeline.samplesPerCoreSecond() / ceiling.samplesPerCoreSecond()));
        row.put("pipelineOwnCores", round3(usage.ownCores()));
        row.put("pipelineOtherCores", round3(usage.otherCores()));
        if (usage.otherCores() > 0.2) {
            progress.accept(String.format(
                    "WARNING: other processes used %.2f cores: rates are low and noisy, the " + "ratios less so",
                    usage.otherCores()));
        }
        return row;
    }

    /** Rows and bytes over a wall span and this JVM's CPU time in it. */
    record Rate(long rows, long bytes, long nanos, long cpuNanos) {
        double samplesPerSecond() {
            return rows / (nanos / 1e9);
        }

        double samplesPerCoreSecond() {
            return rows / (cpuNanos / 1e9);
        }

        double mbPerSecond() {
            return bytes / 1e6 / (nanos / 1e9);
        }

        double mbPerCoreSecond() {
            return bytes / 1e6 / (cpuNanos / 1e9);
        }

        double cores() {
            return (double) cpuNanos / nanos;
        }

        String describe(String what) {
            return String.format(
                    "%s: %,.0f samples/s, %,.0f samples per CPU-second (%.2f cores), %.1f MB/s",
                    what, samplesPerSecond(), samplesPerCoreSecond(), cores(), mbPerSecond());
        }
    }

    private static Rate plainConsumer(String bootstrap, String topic, long samples, long bytes) {
        TopicPartition tp = new TopicPartition(topic, 0);
        try (KafkaConsumer<byte[], byte[]> consumer = KafkaClients.readCommittedConsumer(bootstrap)) {
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long read = 0;
            long firstRows = 0;
            long firstBytes = 0;
            long valueBytes = 0;
            long t0 = -1;
            long cpu0 = 0;
            long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
            while (read < samples) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the plain consumer read " + read + " of " + samples + " records");
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    read++;
                    valueBytes += r.value().length;
                }
                if (t0 < 0 && read > 0) {
                    // the clock starts after the first poll that returned records, as the pipeline's does
                    t0 = System.nanoTime();
                    cpu0 = processCpuNanos();
                    firstRows = read;
                    firstBytes = valueBytes;
                }
            }
            return new Rate(
                    read - firstRows, (valueBytes - firstBytes), System.nanoTime() - t0, processCpuNanos() - cpu0);
        }
    }

    private static Rate pipeline(
            String bootstrap, String id, String topic, SampleFormat format, long samples, long bytes, int blockRows)
            throws Exception {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("kafka.bootstrap-servers", bootstrap);
        settings.put("kafka.samples-topic", topic);
        settings.put("kafka.group-id", id);
        settings.put("kafka.bounded", "true");
        settings.put("sample.format", format.name());
        settings.put("sample.feature-dim", String.valueOf(FEATURE_DIM));
        settings.put("model.batch-size", String.valueOf(blockRows));
        settings.put("checkpoint.dir", "s3://unused/" + id); // required by the config; this job takes no checkpoint
        JobConfig config = JobConfig.fromMap(settings);

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(new Configuration());
        env.setParallelism(1);
        // the training job's wiring up to the trainer (OnlineTrainingJob.build), with a no-op trainer
        SingleOutputStreamOperator<SampleBlock> blocks = env.fromSource(
                        KafkaWiring.samplesSource(config),
                        WatermarkStrategy.<DecodedRow>forMonotonousTimestamps()
                                .withTimestampAssigner(KafkaRowDeserializer.eventTimeAssigner()),
                        "samples")
                .uid(OperatorUids.SAMPLES_SOURCE)
                .transform(
                        "decode + validate",
                        TypeInformation.of(SampleBlock.class),
                        new SampleBatcher(config.sampleSchema(), blockRows))
                .uid(OperatorUids.SAMPLE_VALIDATOR);
        blocks.getSideOutput(SampleValidator.DEAD_LETTERS)
                .sinkTo(new DiscardingSink<>())
                .name("dead letters");
        blocks.transform("no-op trainer", TypeInformation.of(Void.class), new IngestProbe(id));
        env.execute("streamtrain ingest bench " + id);

        IngestProbe.Stamps s = IngestProbe.take(id);
        if (s == null || s.rows != samples) {
            throw new IllegalStateException(
                    "the no-op trainer got " + (s == null ? 0 : s.rows) + " of " + samples + " rows");
        }
        long rows = s.rows - s.firstRows;
        return new Rate(
                rows,
                Math.round((double) bytes * rows / samples),
                s.lastNanos - s.firstNanos,
                s.lastCpuNanos - s.firstCpuNanos);
    }

    private static long processCpuNanos() {
        return ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static double round3(double v) {
        return Double.isFinite(v) ? Math.round(v * 1000) / 1000.0 : v;
    }
}
