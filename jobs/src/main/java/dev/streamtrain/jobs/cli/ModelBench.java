package dev.streamtrain.jobs.cli;

import dev.streamtrain.jobs.KafkaClients;
import dev.streamtrain.jobs.bench.BareLoop;
import dev.streamtrain.jobs.bench.BenchKafka;
import dev.streamtrain.jobs.bench.BenchModel;
import dev.streamtrain.jobs.bench.CpuMeter;
import dev.streamtrain.jobs.bench.MemorySnapshot;
import dev.streamtrain.jobs.bench.PipelineRun;
import dev.streamtrain.jobs.config.JobConfig;
import dev.streamtrain.localstack.LocalStack;
import dev.streamtrain.sample.SampleFormat;
import dev.streamtrain.sample.synthetic.TeacherStream;
import dev.streamtrain.store.FlinkS3;
import dev.streamtrain.trainer.TorchThreads;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.flink.configuration.Configuration;

/**
 * One model's measurement for {@code bench}: (a) a bare DJL loop on in-memory batches, then (b) the
 * training job reading pre-produced BINARY samples from Kafka in a MiniCluster, as one JSON row; and
 * the table of those rows on stderr. The settings are {@link BenchCommand}'s options of the same names.
 */
record ModelBench(
        Long samples,
        int batchSize,
        String checkpointInterval,
        int bareSeconds,
        String threads,
        String interopThreads,
        Map<String, String> extraSettings,
        Console console) {

    Map<String, Object> measure(LocalStack stack, BenchModel model) throws Exception {
        long n = samples != null ? samples : model.defaultSamples();
        String id = "bench-" + model.name() + "-" + UUID.randomUUID().toString().substring(0, 8);
        String samplesTopic = id + "-samples";
        long reportEvery = Math.max(batchSize, n / 20 / batchSize * batchSize);
        Map<String, String> settings =
                jobSettings(model, id, stack.bootstrapServers(), stack.checkpointBucket(), reportEvery);
        settings.putIfAbsent("store.bucket", stack.bucket()); // a --set store.bucket wins
        FlinkS3.apply(new Configuration(), stack.s3()).toMap().forEach(settings::put);
        JobConfig config = JobConfig.fromMap(settings);

        progress(String.format(
                "== %s: MLP %s (%,d parameters), batch %d — %s",
                model.name(), model.layers(), model.parameters(), batchSize, model.description()));
        progress("(a) bare DJL loop on pre-generated batches…");
        CpuMeter bareCpu = CpuMeter.start();
        BareLoop.Result bare = BareLoop.run(
                config.modelSpec(),
                teacher().dataSeed(7).build(),
                Duration.ofSeconds(2),
                Duration.ofSeconds(bareSeconds),
                this::progress);
        CpuMeter.Usage bareUsage = bareCpu.stop();
        progress(String.format(
                "(a) %,.0f samples/s (%.2f ms/step over %d steps) on %s; %s",
                bare.samplesPerSecond(), bare.stepMillis(), bare.steps(), bare.device(), bareUsage.describe()));
        warnIfShared(bareUsage);

        KafkaClients.createTopics(stack.bootstrapServers(), samplesTopic, id + "-dlq", id + "-events");
        progress(String.format("producing %,d BINARY samples to %s (not timed)…", n, samplesTopic));
        long p0 = System.nanoTime();
        long bytes = BenchKafka.produce(
                stack.bootstrapServers(), samplesTopic, teacher().build(), n, this::progress);
        long produceMillis = (System.nanoTime() - p0) / 1_000_000;
        progress(String.format("produced %,d samples (%.0f MB) in %.1f s", n, bytes / 1e6, produceMillis / 1e3));

        progress(String.format(
                "(b) training job from Kafka in a MiniCluster, checkpoints every %s to %s…",
                checkpointInterval, settings.get("checkpoint.dir")));
        CpuMeter pipeCpu = CpuMeter.start();
        PipelineRun.Result pipe = PipelineRun.run(config, id, this::progress);
        CpuMeter.Usage pipeUsage = pipeCpu.stop();
        double pipeRate = pipe.rate().samplesPerSecond();
        progress(String.format(
                "(b) %,.0f samples/s between the first and the last of %d reports; %,d samples in %.1f s "
                        + "end to end (first report after %.1f s, job end %.1f s after the last report); "
                        + "%d checkpoints (avg %d ms, max %d ms, %.1f MB); %s",
                pipeRate,
                pipe.reports(),
                pipe.samplesTrained(),
                pipe.wallMillis() / 1e3,
                pipe.firstReportMillis() / 1e3,
                pipe.afterLastReportMillis() / 1e3,
                pipe.completedCheckpoints(),
                pipe.checkpointAvgMillis(),
                pipe.checkpointMaxMillis(),
                pipe.checkpointMaxBytes() / 1e6,
                pipeUsage.describe()));
        warnIfShared(pipeUsage);
        progress(String.format(
                "(b) memory of this JVM (TaskManager included): RSS %.0f MB, heap after GC %.0f MB at %,d samples; "
                        + "RSS %.0f MB, heap after GC %.0f MB at %,d samples",
                pipe.memoryAtStart().rssBytes() / 1e6,
                pipe.memoryAtStart().heapUsedAfterGcBytes() / 1e6,
                pipe.memoryAtStart().samplesTrained(),
                pipe.memoryAtEnd().rssBytes() / 1e6,
                pipe.memoryAtEnd().heapUsedAfterGcBytes() / 1e6,
                pipe.memoryAtEnd().samplesTrained()));
        if (pipe.samplesTrained() + pipe.pendingSamples() != n) {
            progress(String.format(
                    "WARNING: the job read %,d samples but %,d were produced",
                    pipe.samplesTrained() + pipe.pendingSamples(), n));
        }

        Map<String, Object> row = new LinkedHashMap<>();
        row.put("model", model.name());
        row.put("layers", model.layers());
        row.put("parameters", model.parameters());
        row.put("batchSize", batchSize);
        row.put("bareSamplesPerSecond", Math.round(bare.samplesPerSecond()));
        row.put("bareStepMillis", round3(bare.stepMillis()));
        row.put("bareSteps", bare.steps());
        row.put("pipelineSamplesPerSecond", Math.round(pipeRate));
        row.put("ratio", round3(pipeRate / bare.samplesPerSecond()));
        row.put("samples", n);
        row.put("samplesTrained", pipe.samplesTrained());
        row.put("samplesRead", pipe.samplesTrained() + pipe.pendingSamples());
        row.put("reports", pipe.reports());
        row.put("reportEverySamples", reportEvery);
        row.put("rateSamples", pipe.rate().samples());
        row.put("rateSeconds", round3(pipe.rate().seconds()));
        row.put("pipelineWallMillis", pipe.wallMillis());
        row.put("endToEndSamplesPerSecond", Math.round(pipe.samplesTrained() * 1000.0 / pipe.wallMillis()));
        row.put("clusterStartMillis", pipe.clusterStartMillis());
        row.put("firstReportMillis", pipe.firstReportMillis());
        row.put("afterLastReportMillis", pipe.afterLastReportMillis());
        row.put("checkpointInterval", checkpointInterval);
        row.put("checkpoints", pipe.completedCheckpoints());
        row.put("failedCheckpoints", pipe.failedCheckpoints());
        row.put("checkpointAvgMillis", pipe.checkpointAvgMillis());
        row.put("checkpointMaxMillis", pipe.checkpointMaxMillis());
        row.put("checkpointMaxBytes", pipe.checkpointMaxBytes());
        row.put("firstMeanLoss", round3(pipe.firstMeanLoss()));
        row.put("lastMeanLoss", round3(pipe.lastMeanLoss()));
        row.put("produceMillis", produceMillis);
        row.put("producedBytes", bytes);
        row.put("device", pipe.device());
        row.put("extraSettings", extraSettings);
        row.put("threadsRequested", settings.get("model.threads"));
        row.put("interopThreadsRequested", settings.get("model.interop-threads"));
        TorchThreads.Applied applied = TorchThreads.lastApplied();
        if (applied != null) { // the trainer ran in this JVM's MiniCluster
            row.put("pipelineIntraOpThreads", applied.intraOp());
            row.put("pipelineInterOpThreads", applied.interOp());
            row.put("pipelineThreadsChoice", applied.choice().describe());
        }
        putMemory(row, "Start", pipe.memoryAtStart());
        putMemory(row, "End", pipe.memoryAtEnd());
        row.put("bareOwnCores", round3(bareUsage.ownCores()));
        row.put("bareOtherCores", round3(bareUsage.otherCores()));
        row.put("pipelineOwnCores", round3(pipeUsage.ownCores()));
        row.put("pipelineOtherCores", round3(pipeUsage.otherCores()));
        return row;
    }

    /**
     * The job configuration of a pipeline run, less the s3.* keys; --set entries last, so they win.
     * {@code bucketName} is the checkpoints' (the stack's unversioned one).
     */
    Map<String, String> jobSettings(
            BenchModel model, String id, String bootstrap, String bucketName, long reportEvery) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("kafka.bootstrap-servers", bootstrap);
        settings.put("kafka.samples-topic", id + "-samples");
        settings.put("kafka.dlq-topic", id + "-dlq");
        settings.put("kafka.events-topic", id + "-events");
        settings.put("kafka.group-id", id);
        settings.put("kafka.bounded", "true");
        settings.put("kafka.source-parallelism", "1");
        settings.put("sample.format", "BINARY");
        settings.put("sample.feature-dim", String.valueOf(BenchModel.FEATURE_DIM));
        settings.put("sample.label-dim", String.valueOf(BenchModel.OUTPUT_DIM));
        settings.put("model.hidden", model.hiddenSetting());
        settings.put("model.batch-size", String.valueOf(batchSize));
        settings.put("run.experiment", "bench");
        settings.put("run.name", id);
        settings.put("run.model", model.name());
        settings.put("checkpoint.dir", "s3://" + bucketName + "/" + id + "/checkpoints");
        settings.put("checkpoint.interval", checkpointInterval);
        settings.put("report.every-samples", String.valueOf(reportEvery));
        settings.put("model.threads", threads);
        settings.put("model.interop-threads", interopThreads);
        // the bare loop trains every sample, so the pipeline does too; evaluation's cost is measured
        // with --set eval.holdout-fraction=0.02 --set eval.drift-detection=true
        settings.put("eval.holdout-fraction", "0");
        settings.put("eval.drift-detection", "false");
        settings.putAll(extraSettings);
        return settings;
    }

    /** memory{Start,End}{Samples,RssBytes,HeapUsedAfterGcBytes}; see {@link MemorySnapshot}. */
    private static void putMemory(Map<String, Object> row, String when, MemorySnapshot memory) {
        row.put("memory" + when + "Samples", memory.samplesTrained());
        row.put("memory" + when + "RssBytes", memory.rssBytes());
        row.put("memory" + when + "HeapUsedAfterGcBytes", memory.heapUsedAfterGcBytes());
    }

    private static double round3(double v) {
        return Double.isFinite(v) ? Math.round(v * 1000) / 1000.0 : v;
    }

    private static TeacherStream.Builder teacher() {
        return TeacherStream.builder()
                .format(SampleFormat.BINARY)
                .featureDim(BenchModel.FEATURE_DIM)
                .regression(BenchModel.OUTPUT_DIM)
                .seed(11);
    }

    /** Other processes' CPU use skews both numbers (libtorch's thread pools are sized for the whole machine). */
    private void warnIfShared(CpuMeter.Usage usage) {
        if (usage.otherCores() > 0.2) {
            progress(String.format(
                    "WARNING: other processes used %.2f cores during this measurement: the machine is "
                            + "shared, the number is low and noisy",
                    usage.otherCores()));
        }
    }

    void printTable(List<Map<String, Object>> rows) {
        String format = "%-6s %-16s %5s %11s %13s %15s %6s %9s %14s %11s";
        console.note("");
        console.note(String.format(
                format,
                "model",
                "layers",
                "batch",
                "samples",
                "bare (a)/s",
                "pipeline (b)/s",
                "b/a",
                "e2e wall",
                "checkpoints",
                "other CPU a/b"));
        for (Map<String, Object> r : rows) {
            console.note(String.format(
                    format,
                    r.get("model"),
                    r.get("layers"),
                    r.get("batchSize"),
                    String.format("%,d", (Long) r.get("samples")),
                    String.format("%,d", (Long) r.get("bareSamplesPerSecond")),
                    String.format("%,d", (Long) r.get("pipelineSamplesPerSecond")),
                    String.format("%.2f", (Double) r.get("ratio")),
                    String.format("%.1f s", (Long) r.get("pipelineWallMillis") / 1e3),
                    r.get("checkpoints") + " x " + r.get("checkpointAvgMillis") + " ms",
                    String.format(
                            "%.2f/%.2f", (Double) r.get("bareOtherCores"), (Double) r.get("pipelineOtherCores"))));
        }
        console.note("(a) bare DJL loop on in-memory batches; (b) the job from Kafka between its first and last "
                + "report, checkpoints included; e2e wall: job submission to end, start-up and final checkpoint included; "
                + "other CPU: cores used by other processes during (a) and (b)");
    }

    private void progress(String line) {
        console.say(line);
    }
}
