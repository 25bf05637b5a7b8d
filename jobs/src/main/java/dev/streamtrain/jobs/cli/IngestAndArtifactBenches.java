package dev.streamtrain.jobs.cli;

import dev.streamtrain.jobs.bench.ArtifactBench;
import dev.streamtrain.jobs.bench.IngestBench;
import dev.streamtrain.localstack.LocalStack;
import dev.streamtrain.sample.SampleFormat;
import java.util.List;
import java.util.Map;

/**
 * The {@code bench} models that are not an MLP: {@code ingest} (the sample path without a model) and
 * {@code artifacts} (an artifact write vs a raw S3 PUT). Each prints its JSON line(s) on stdout and a
 * one-line summary on stderr.
 */
final class IngestAndArtifactBenches {
    private IngestAndArtifactBenches() {}

    /** BINARY, then JSON; {@code samples} null: the default count per format. */
    static void ingest(LocalStack stack, Long samples, int batchSize, Console console) throws Exception {
        for (SampleFormat format : List.of(SampleFormat.BINARY, SampleFormat.JSON)) {
            long n = samples != null ? samples : format == SampleFormat.BINARY ? 3_000_000 : 1_000_000;
            Map<String, Object> row = IngestBench.run(stack, format, n, batchSize, console::say);
            console.json(row);
            console.say(String.format(
                    "ingest %s: %,d samples/s per core (%.1f MB/s per core), %.2f of the plain "
                            + "consumer's rate (%.2f per core)",
                    format,
                    row.get("pipelineSamplesPerCoreSecond"),
                    row.get("pipelineMBPerCoreSecond"),
                    row.get("ratio"),
                    row.get("perCoreRatio")));
        }
    }

    static void artifacts(LocalStack stack, Console console) throws Exception {
        Map<String, Object> row = ArtifactBench.run(stack, console::say);
        console.json(row);
        console.say(String.format(
                "artifact write %.1f MB/s vs raw S3 PUT %.1f MB/s (ratio %.2f) for %.1f MB; "
                        + "training %.0f samples/s during an upload vs %.0f without (ratio %.2f)",
                row.get("artifactWriteMBps"),
                row.get("rawPutMBps"),
                row.get("artifactVsRawPut"),
                row.get("stateMB"),
                row.get("samplesPerSecondDuringUpload"),
                row.get("samplesPerSecondWithoutUpload"),
                row.get("duringVsWithout")));
    }
}
