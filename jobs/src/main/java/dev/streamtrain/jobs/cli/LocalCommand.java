package dev.streamtrain.jobs.cli;

import dev.streamtrain.jobs.KafkaClients;
import dev.streamtrain.jobs.KafkaWiring;
import dev.streamtrain.jobs.OnlineTrainingJob;
import dev.streamtrain.jobs.SampleProducer;
import dev.streamtrain.jobs.config.JobConfig;
import dev.streamtrain.jobs.config.TrainingJobOptions;
import dev.streamtrain.localstack.LocalStack;
import dev.streamtrain.sample.Sample;
import dev.streamtrain.sample.SampleFormat;
import dev.streamtrain.sample.synthetic.InvalidRecords;
import dev.streamtrain.sample.synthetic.TeacherStream;
import dev.streamtrain.store.FlinkS3;
import dev.streamtrain.store.S3Clients;
import dev.streamtrain.trainer.DjlTrainer;
import dev.streamtrain.trainer.TrainerState;
import dev.streamtrain.trainer.TrainingReport;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.util.CloseableIterator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * {@code ./streamtrain local}: the whole product on one machine — the local stack, a learnable
 * synthetic stream (a fixed random teacher plus noise), the training job in a MiniCluster with its
 * checkpoints on the local S3 server — and exits 0 when the stream is trained.
 */
@Command(
        name = "local",
        mixinStandardHelpOptions = true,
        description = {
            "Train on a synthetic stream with the local Kafka + S3 stack and a Flink MiniCluster.",
            "Progress goes to stderr; stdout is reserved for machine-readable events."
        })
final class LocalCommand implements Callable<Integer> {
    @Option(
            names = "--samples",
            defaultValue = "200000",
            description = "samples to produce and train on (default: ${DEFAULT-VALUE})")
    int samples;

    @Option(
            names = "--bad-records",
            defaultValue = "1",
            description = "rounds of invalid records mixed in, one of each kind per round (default: ${DEFAULT-VALUE})")
    int badRounds;

    @Option(
            names = "--feature-dim",
            defaultValue = "64",
            description = "features per sample (default: ${DEFAULT-VALUE})")
    int featureDim;

    @Option(
            names = "--model",
            defaultValue = "MLP",
            description = "MLP, LINEAR or LOGISTIC (default: ${DEFAULT-VALUE})")
    String modelKind;

    @Option(
            names = "--hidden",
            defaultValue = "256,256",
            split = ",",
            description = "hidden layer sizes of the MLP (default: ${DEFAULT-VALUE})")
    List<Integer> hidden;

    @Option(
            names = "--batch-size",
            defaultValue = "256",
            description = "samples per optimizer step (default: ${DEFAULT-VALUE})")
    int batchSize;

    @Option(names = "--learning-rate", defaultValue = "0.001", description = "(default: ${DEFAULT-VALUE})")
    float learningRate;

    @Option(
            names = "--format",
            defaultValue = "BINARY",
            description = "sample format on the topic: JSON or BINARY (default: ${DEFAULT-VALUE})")
    SampleFormat format;

    @Option(
            names = "--epoch-samples",
            defaultValue = "50000",
            description = "samples per epoch-window (default: ${DEFAULT-VALUE})")
    long epochSamples;

    @Option(
            names = "--checkpoint-interval",
            defaultValue = "5 s",
            description = "Flink checkpoint interval (default: ${DEFAULT-VALUE})")
    String checkpointInterval;

    @Option(names = "--device", defaultValue = "AUTO", description = "AUTO, CPU or GPU (default: ${DEFAULT-VALUE})")
    String device;

    @Option(
            names = "--threads",
            defaultValue = "AUTO",
            description =
                    "libtorch intra-op threads of the trainer (model.threads): AUTO (the slot's CPU share minus 1) "
                            + "or a count (default: ${DEFAULT-VALUE})")
    String threads;

    @Option(
            names = "--interop-threads",
            defaultValue = "AUTO",
            description =
                    "libtorch inter-op threads (model.interop-threads): AUTO (1) or a count (default: ${DEFAULT-VALUE})")
    String interopThreads;

    @Option(names = "--work-dir", description = "where the local Kafka and S3 keep their data (default: target/local)")
    Path workDir;

    @Option(
            names = "--plot",
            paramLabel = "FILE",
            description = "at the end, write the plot of this run (PNG; see `plot`)")
    Path plot;

    @Mixin
    Console console;

    @Override
    public Integer call() throws Exception {
        Path work = workDir != null ? workDir : Path.of(System.getProperty("streamtrain.home", "."), "target", "local");
        String run = "local-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        say("starting the local stack (Kafka + S3) in %s …", work);
        try (LocalStack stack = LocalStack.start(work, "streamtrain")) {
            say(
                    "Kafka at %s (%d ms), S3 at %s (%d ms), bucket '%s'",
                    stack.bootstrapServers(),
                    stack.kafkaStartMillis(),
                    stack.s3().endpoint(),
                    stack.s3StartMillis(),
                    stack.bucket());
            JobConfig config = config(stack, run);
            KafkaClients.createTopics(
                    stack.bootstrapServers(),
                    config.get(TrainingJobOptions.SAMPLES_TOPIC),
                    config.get(TrainingJobOptions.DLQ_TOPIC),
                    config.get(TrainingJobOptions.EVENTS_TOPIC));

            TeacherStream teacher = TeacherStream.builder()
                    .format(format)
                    .featureDim(featureDim)
                    .regression(1)
                    .seed(1)
                    .build();
            long t0 = System.nanoTime();
            int bad;
            try (SampleProducer producer =
                    new SampleProducer(stack.bootstrapServers(), config.get(TrainingJobOptions.SAMPLES_TOPIC))) {
                bad = producer.sendWithInvalid(
                        teacher,
                        samples,
                        List.copyOf(
                                InvalidRecords.oneOfEach(config.sampleSchema()).values()),
                        badRounds);
            }
            say(
                    "produced %,d samples and %d invalid records to '%s' in %.1f s",
                    samples, bad, config.get(TrainingJobOptions.SAMPLES_TOPIC), (System.nanoTime() - t0) / 1e9);

            FlinkS3.initializeInThisJvm(config.flinkConfiguration());
            StreamExecutionEnvironment env =
                    StreamExecutionEnvironment.getExecutionEnvironment(OnlineTrainingJob.environmentConfig(config));
            EventPrinter events = new EventPrinter(
                            stack.bootstrapServers(), config.get(TrainingJobOptions.EVENTS_TOPIC), console)
                    .start();
            DataStream<TrainingReport> reports = new OnlineTrainingJob(
                            config,
                            KafkaWiring.samplesSource(config),
                            KafkaWiring.deadLetterSink(config),
                            KafkaWiring.eventSink(config),
                            new DiscardingSink<>())
                    .build(env);
            say("training %s on %s …", config.modelSpec(), "a Flink MiniCluster");
            TrainingReport last = null;
            TrainingReport first = null;
            long trainStart = System.nanoTime();
            try (CloseableIterator<TrainingReport> it = reports.executeAndCollect("streamtrain local " + run)) {
                while (it.hasNext()) {
                    TrainingReport r = it.next();
                    if (first == null) {
                        first = r;
                    }
                    last = r;
                    if (!r.last) {
                        say(
                                "trained %,9d samples   loss %.5f   %,.0f samples/s",
                                r.samplesTrained, r.meanLoss, r.samplesPerSecond);
                    }
                }
            }
            events.close();
            if (last == null || !last.last) {
                return console.fail(Console.FAILED, "the job ended without a final report");
            }
            double seconds = (System.nanoTime() - trainStart) / 1e9;
            say(
                    "done: %,d samples trained (%d pending in a partial batch), %,d dead-lettered, %d checkpoint events, "
                            + "on %s, %.1f s incl. job start-up",
                    last.samplesTrained, last.pendingSamples, bad, events.printed(), last.device, seconds);
            reportHeldOut(config, teacher, last, first);
            reportCheckpoints(stack, config);
            if (plot != null) {
                LocalPlot.write(stack.bootstrapServers(), config, plot, console);
            }
        }
        return Console.OK;
    }

    private JobConfig config(LocalStack stack, String run) {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("kafka.bootstrap-servers", stack.bootstrapServers());
        c.put("kafka.samples-topic", "samples-" + run);
        c.put("kafka.dlq-topic", "samples-dlq-" + run);
        c.put("kafka.events-topic", "model-checkpoints");
        c.put("epoch.samples", String.valueOf(epochSamples));
        c.put("kafka.bounded", "true");
        c.put("sample.format", format.name());
        c.put("sample.feature-dim", String.valueOf(featureDim));
        // small enough that the stream's OVERSIZE example stays under the broker's message.max.bytes (1 MiB)
        // and reaches the dead-letter topic: the producer now fails on a refused send instead of dropping it
        c.put("sample.max-record-bytes", "65536");
        c.put("model.kind", modelKind.toUpperCase());
        c.put("model.hidden", hidden.stream().map(String::valueOf).collect(Collectors.joining(";")));
        c.put("model.batch-size", String.valueOf(batchSize));
        c.put("model.learning-rate", String.valueOf(learningRate));
        c.put("model.device", device.toUpperCase());
        c.put("model.threads", threads);
        c.put("model.interop-threads", interopThreads);
        c.put("run.experiment", "local");
        c.put("run.name", run);
        // checkpoints in the stack's unversioned bucket (s3mock lists deleted objects of a versioned one, and
        // Flink's discard of an old chk-N then fails); artifacts in the versioned bucket
        c.put("checkpoint.dir", "s3://" + stack.checkpointBucket() + "/local/" + run + "/checkpoints");
        c.put("store.bucket", stack.bucket());
        c.put("checkpoint.interval", checkpointInterval);
        c.put("report.every-samples", String.valueOf(Math.max(batchSize * 10L, samples / 20)));
        c.put("parallelism.default", "1");
        c.putAll(FlinkS3.apply(new Configuration(), stack.s3()).toMap());
        return JobConfig.fromMap(c);
    }

    /** The trained model against fresh samples of the same teacher. */
    private void reportHeldOut(JobConfig config, TeacherStream teacher, TrainingReport last, TrainingReport first) {
        TeacherStream heldOut = TeacherStream.builder()
                .format(format)
                .featureDim(featureDim)
                .regression(1)
                .seed(1)
                .dataSeed(424242)
                .build();
        int n = 4096;
        float[] x = new float[n * featureDim];
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            Sample s = heldOut.next();
            System.arraycopy(s.features, 0, x, i * featureDim, featureDim);
            y[i] = s.label[0];
        }
        try (DjlTrainer untrained = DjlTrainer.create(config.modelSpec());
                DjlTrainer trained = DjlTrainer.restore(config.modelSpec(), TrainerState.fromBytes(last.state))) {
            say(
                    "held-out loss: %.5f untrained → %.5f trained (first report's training loss %.5f)",
                    untrained.evaluateLoss(x, y, n), trained.evaluateLoss(x, y, n), first.meanLoss);
        }
    }

    private void reportCheckpoints(LocalStack stack, JobConfig config) {
        String dir = config.get(TrainingJobOptions.CHECKPOINT_DIR);
        String prefix = dir.substring(("s3://" + stack.checkpointBucket() + "/").length());
        try (S3Client s3 = S3Clients.create(stack.s3())) {
            List<String> metadata = new ArrayList<>();
            s3.listObjectsV2Paginator(b -> b.bucket(stack.checkpointBucket()).prefix(prefix))
                    .contents()
                    .forEach(o -> {
                        if (o.key().endsWith("/_metadata") && stillThere(s3, stack.checkpointBucket(), o.key())) {
                            metadata.add("s3://" + stack.checkpointBucket() + "/" + o.key());
                        }
                    });
            say(
                    "checkpoints went to %s — retained: %s",
                    dir, metadata.isEmpty() ? "(none)" : String.join(", ", metadata));
            say(
                    "model artifacts: s3://%s/local/%s/model/epoch-NNNNNN/ (the events on stdout name each one)",
                    stack.bucket(), config.get(TrainingJobOptions.RUN));
            say("(the local S3 server stops with this command; its data stays in the work dir)");
        }
    }

    /** HEAD, because some S3 servers (s3mock with versioning) keep listing deleted objects. */
    private static boolean stillThere(S3Client s3, String bucket, String key) {
        try {
            s3.headObject(b -> b.bucket(bucket).key(key));
            return true;
        } catch (S3Exception e) {
            return false;
        }
    }

    private void say(String format, Object... args) {
        console.say(String.format(format, args));
    }
}
