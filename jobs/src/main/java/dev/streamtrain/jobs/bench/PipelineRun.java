package dev.streamtrain.jobs.bench;

import dev.streamtrain.jobs.KafkaWiring;
import dev.streamtrain.jobs.OnlineTrainingJob;
import dev.streamtrain.jobs.config.JobConfig;
import dev.streamtrain.store.FlinkS3;
import dev.streamtrain.trainer.TrainingReport;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.checkpoint.CheckpointStatsSnapshot;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.jobmaster.JobResult;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;

/**
 * Runs {@link OnlineTrainingJob} — the production Kafka source and dead-letter sink, exactly-once
 * checkpoints to S3 — on a bounded topic in a MiniCluster of this JVM, and measures it. The
 * MiniCluster is started here rather than by the environment so that the job's checkpoint
 * statistics can be read after it finished.
 */
public final class PipelineRun {
    private PipelineRun() {}

    public record Result(
            long samplesTrained,
            /** Samples read but left in the partial last batch. */
            int pendingSamples,
            int reports,
            ReportRate rate,
            /** MiniCluster start (JobManager + one TaskManager). */
            long clusterStartMillis,
            /** Submission to the job's end: start-up, all training, the final checkpoint, shut-down. */
            long wallMillis,
            /** Submission to the first report (start-up plus the first report.every-samples samples). */
            long firstReportMillis,
            /** End-of-input report to the job's end: the final checkpoint that commits the exactly-once sinks. */
            long afterLastReportMillis,
            long completedCheckpoints,
            long failedCheckpoints,
            long checkpointAvgMillis,
            long checkpointMaxMillis,
            long checkpointMaxBytes,
            double firstMeanLoss,
            double lastMeanLoss,
            String device,
            /** At the first report: the job running, {@code report.every-samples} samples in. */
            MemorySnapshot memoryAtStart,
            /** At the end-of-input report: after every sample, before the final checkpoint. */
            MemorySnapshot memoryAtEnd) {}

    /** {@code config} must name a bounded topic that already holds the samples. */
    public static Result run(JobConfig config, String id, Consumer<String> progress) throws Exception {
        // In a MiniCluster the s3.* keys reach flink-s3-fs-presto only through this.
        FlinkS3.initializeInThisJvm(config.flinkConfiguration());
        Configuration conf = OnlineTrainingJob.environmentConfig(config);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        TimedReportSink reports = new TimedReportSink(id);
        new OnlineTrainingJob(
                        config,
                        KafkaWiring.samplesSource(config),
                        KafkaWiring.deadLetterSink(config),
                        KafkaWiring.eventSink(config),
                        reports)
                .build(env);
        StreamGraph streamGraph = env.getStreamGraph();
        streamGraph.setJobName("streamtrain bench " + id);
        JobGraph jobGraph = streamGraph.getJobGraph();

        MiniClusterConfiguration clusterConfig = new MiniClusterConfiguration.Builder()
                .setConfiguration(conf)
                .setNumTaskManagers(1)
                .setNumSlotsPerTaskManager(2)
                .withRandomPorts()
                .build();
        long t0 = System.nanoTime();
        try (MiniCluster cluster = new MiniCluster(clusterConfig)) {
            cluster.start();
            long submitted = System.nanoTime();
            JobID jobId = cluster.submitJob(jobGraph).get().getJobID();
            CompletableFuture<JobResult> done = cluster.requestJobResult(jobId);
            JobResult result;
            while (true) {
                try {
                    result = done.get(5, TimeUnit.SECONDS);
                    break;
                } catch (TimeoutException stillRunning) {
                    TrainingReport latest = reports.latest();
                    progress.accept(
                            latest == null
                                    ? "pipeline: job starting / no report yet"
                                    : String.format(
                                            "pipeline: %,d samples trained, %.0f samples/s since the previous report",
                                            latest.samplesTrained, latest.samplesPerSecond));
                }
            }
            long finished = System.nanoTime();
            result.toJobExecutionResult(PipelineRun.class.getClassLoader()); // throws when the job failed
            CheckpointStatsSnapshot checkpoints =
                    cluster.getArchivedExecutionGraph(jobId).get().getCheckpointStatsSnapshot();

            List<TimedReportSink.Arrival> arrivals = reports.drain();
            List<TrainingReport> list =
                    arrivals.stream().map(TimedReportSink.Arrival::report).toList();
            if (list.isEmpty() || !list.get(list.size() - 1).last) {
                throw new IllegalStateException(
                        "the job ended without its end-of-input report (" + list.size() + " reports)");
            }
            TrainingReport last = list.get(list.size() - 1);
            return new Result(
                    last.samplesTrained,
                    last.pendingSamples,
                    list.size(),
                    ReportRate.between(list),
                    millis(submitted - t0),
                    millis(finished - submitted),
                    millis(arrivals.get(0).nanoTime() - submitted),
                    millis(finished - arrivals.get(arrivals.size() - 1).nanoTime()),
                    checkpoints.getCounts().getNumberOfCompletedCheckpoints(),
                    checkpoints.getCounts().getNumberOfFailedCheckpoints(),
                    checkpoints.getSummaryStats().getEndToEndDurationStats().getAverage(),
                    checkpoints.getSummaryStats().getEndToEndDurationStats().getMaximum(),
                    checkpoints.getSummaryStats().getStateSizeStats().getMaximum(),
                    list.get(0).meanLoss,
                    meanLossOfLastFullReport(list),
                    last.device,
                    arrivals.get(0).memory(),
                    arrivals.get(arrivals.size() - 1).memory());
        }
    }

    /** The end-of-input report may cover no batch (its mean loss is then NaN). */
    private static double meanLossOfLastFullReport(List<TrainingReport> list) {
        for (int i = list.size() - 1; i >= 0; i--) {
            if (!Double.isNaN(list.get(i).meanLoss)) {
                return list.get(i).meanLoss;
            }
        }
        return Double.NaN;
    }

    private static long millis(long nanos) {
        return nanos / 1_000_000;
    }
}
