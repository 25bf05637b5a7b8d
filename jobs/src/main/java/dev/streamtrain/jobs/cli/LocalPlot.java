package dev.streamtrain.jobs.cli;

import dev.streamtrain.jobs.EventTopic;
import dev.streamtrain.jobs.config.JobConfig;
import dev.streamtrain.jobs.config.TrainingJobOptions;
import dev.streamtrain.jobs.plot.RunChart;
import dev.streamtrain.jobs.plot.RunChartData;
import dev.streamtrain.store.RunKey;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/** {@code local --plot FILE}: the plot of the run that just ended, from its committed events. */
final class LocalPlot {
    private LocalPlot() {}

    static void write(String bootstrap, JobConfig config, Path out, Console console) throws IOException {
        RunKey key = config.runKey();
        RunChartData data = RunChartData.of(
                key.toString(),
                new EventTopic(bootstrap, config.get(TrainingJobOptions.EVENTS_TOPIC))
                        .read(key, Duration.ofSeconds(30)));
        RunChart.writePng(data, out, 1000, 700);
        console.say(String.format(
                "plot of %s (%d epochs) written to %s", key, data.points().size(), out.toAbsolutePath()));
    }
}
