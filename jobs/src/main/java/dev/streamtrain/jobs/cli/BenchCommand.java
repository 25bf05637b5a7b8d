package dev.streamtrain.jobs.cli;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import dev.streamtrain.jobs.bench.BenchModel;
import dev.streamtrain.jobs.config.JobConfig;
import dev.streamtrain.localstack.LocalStack;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Training throughput of the whole pipeline (Kafka → decode → trainer → exactly-once checkpoints
 * on S3, in a MiniCluster) against a bare DJL loop on the same model: how much of the trainer's
 * speed the streaming job keeps. A benchmark, not a test: it prints numbers and checks none.
 */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Measure training throughput per model: (a) a bare DJL loop on in-memory batches, "
                    + "(b) the training job reading pre-produced BINARY samples from Kafka in a MiniCluster, "
                    + "with exactly-once checkpoints to the local stack's S3; and the ratio b/a.",
            "Results: one JSON line per model on stdout; progress and a table on stderr.",
            "The pipeline's libtorch pools follow --threads / --interop-threads (model.threads, AUTO: the slot's "
                    + "CPU share); -Dai.djl.pytorch.num_threads / num_interop_threads through STREAMTRAIN_JAVA_OPTS "
                    + "win over both. The bare loop runs with libtorch's defaults unless those properties are set."
        })
final class BenchCommand implements Callable<Integer> {
    @Option(
            names = "--models",
            split = ",",
            defaultValue = "small,wide,artifacts",
            description =
                    "what to measure: small (64-256-256-1), wide (64-2048-2048-1), artifacts (a ResNet-18-sized "
                            + "artifact write vs a raw S3 PUT, and training during an upload), ingest (the sample path without a "
                            + "model, BINARY and JSON, vs a plain KafkaConsumer loop; not in the default) (default: ${DEFAULT-VALUE})")
    List<String> models;

    @Option(
            names = "--samples",
            description =
                    "samples per pipeline run, for every model (default: per model, ~10-30 s of training on 2 cores: "
                            + "small 1500000, wide 60000)")
    Long samples;

    @Option(names = "--batch-size", defaultValue = "256", description = "mini-batch size (default: ${DEFAULT-VALUE})")
    int batchSize;

    @Option(
            names = "--checkpoint-interval",
            defaultValue = "10 s",
            description = "checkpoint interval of the pipeline run (default: ${DEFAULT-VALUE})")
    String checkpointInterval;

    @Option(
            names = "--bare-seconds",
            defaultValue = "5",
            description = "timed seconds of the bare loop, after " + "2 s of warm-up (default: ${DEFAULT-VALUE})")
    int bareSeconds;

    @Option(
            names = "--threads",
            defaultValue = "AUTO",
            description = "libtorch intra-op threads of the pipeline's trainer (model.threads): AUTO or a count "
                    + "(default: ${DEFAULT-VALUE})")
    String threads;

    @Option(
            names = "--interop-threads",
            defaultValue = "AUTO",
            description =
                    "libtorch inter-op threads (model.interop-threads): AUTO (1) or a count (default: ${DEFAULT-VALUE})")
    String interopThreads;

    @Option(
            names = "--set",
            paramLabel = "KEY=VALUE",
            description =
                    "an extra job configuration key for the pipeline run, e.g. pipeline.object-reuse=true (repeatable)")
    Map<String, String> extraSettings = new LinkedHashMap<>();

    @Option(
            names = "--bucket",
            defaultValue = "streamtrain",
            description = "bucket on the stack's S3 (default: ${DEFAULT-VALUE})")
    String bucket;

    @Option(
            names = "--work-dir",
            defaultValue = "target/bench-stack",
            description =
                    "the stack's data goes into a fresh folder under this one, deleted at the end (default: ${DEFAULT-VALUE})")
    Path workDir;

    @Mixin
    Console console;

    @Override
    public Integer call() throws Exception {
        List<BenchModel> chosen;
        try {
            chosen = models.stream()
                    .map(String::trim)
                    .filter(m -> !m.equals("artifacts") && !m.equals("ingest"))
                    .map(BenchModel::named)
                    .toList();
            if (samples != null && samples < 2L * batchSize) {
                throw new IllegalArgumentException("--samples must be at least two batches (" + 2 * batchSize + ")");
            }
            for (BenchModel model : chosen) { // a bad --set or --batch-size fails here, before anything starts
                JobConfig.fromMap(modelBench().jobSettings(model, "bench-check", "localhost:9092", bucket, batchSize));
            }
        } catch (IllegalArgumentException e) {
            return console.usage(e.getMessage());
        }
        String numThreads = System.getProperty("ai.djl.pytorch.num_threads");
        String numInteropThreads = System.getProperty("ai.djl.pytorch.num_interop_threads");
        Engine.getEngine("PyTorch"); // loads libtorch, which applies DJL's thread settings
        int torchThreads = JniUtils.getNumThreads();
        int torchInteropThreads = JniUtils.getNumInteropThreads();
        progress(String.format(
                "%d CPUs; ai.djl.pytorch.num_threads=%s, num_interop_threads=%s; libtorch uses %d "
                        + "intra-op and %d inter-op threads",
                Runtime.getRuntime().availableProcessors(),
                numThreads == null ? "(not set)" : numThreads,
                numInteropThreads == null ? "(not set)" : numInteropThreads,
                torchThreads,
                torchInteropThreads));

        Path dataDir = Files.createTempDirectory(Files.createDirectories(workDir), "bench-");
        List<Map<String, Object>> rows = new ArrayList<>();
        try {
            progress("starting the local stack (Kafka broker + S3 server)…");
            try (LocalStack stack = LocalStack.start(dataDir, bucket)) {
                progress(String.format(
                        "stack ready: Kafka in %d ms, S3 in %d ms", stack.kafkaStartMillis(), stack.s3StartMillis()));
                for (BenchModel model : chosen) {
                    Map<String, Object> row = modelBench().measure(stack, model);
                    row.put("djlNumThreads", numThreads);
                    row.put("djlNumInteropThreads", numInteropThreads);
                    row.put("torchIntraOpThreads", torchThreads);
                    row.put("torchInterOpThreads", torchInteropThreads);
                    row.put("cpus", Runtime.getRuntime().availableProcessors());
                    console.json(row);
                    rows.add(row);
                }
                if (models.stream().map(String::trim).anyMatch("ingest"::equals)) {
                    IngestAndArtifactBenches.ingest(stack, samples, batchSize, console);
                }
                if (models.stream().map(String::trim).anyMatch("artifacts"::equals)) {
                    IngestAndArtifactBenches.artifacts(stack, console);
                }
            }
        } finally {
            deleteRecursively(dataDir);
        }
        modelBench().printTable(rows);
        return Console.OK;
    }

    private ModelBench modelBench() {
        return new ModelBench(
                samples, batchSize, checkpointInterval, bareSeconds, threads, interopThreads, extraSettings, console);
    }

    private void progress(String line) {
        console.say(line);
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
