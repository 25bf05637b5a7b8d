package dev.streamtrain.jobs.cli;

import dev.streamtrain.events.CheckpointEvent;
import dev.streamtrain.jobs.EventTopic;
import dev.streamtrain.jobs.plot.RunChart;
import dev.streamtrain.jobs.plot.RunChartData;
import dev.streamtrain.store.RunKey;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.common.KafkaException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Draws a run's loss and throughput per epoch from the checkpoint events (read_committed) into a PNG. */
@Command(
        name = "plot",
        mixinStandardHelpOptions = true,
        description = {
            "Plot a run from the checkpoint events, read_committed: mean loss and samples/s per epoch,",
            "one colour per attempt, superseded (rolled-back) epochs crossed, deleted artifacts ringed,",
            "rollbacks as dashed lines. Writes a PNG, prints one JSON line (out, epochs, attempts, rollbacks).",
            "Exit codes: 0 written, 2 usage, Kafka unreachable or the file not writable, 4 no such topic or",
            "no event of --key."
        })
final class PlotCommand implements Callable<Integer> {
    @Option(names = "--key", required = true, description = "the run: <experiment>/<run>/<model>")
    String key;

    @Option(names = "--out", description = "the PNG to write (default: ./<experiment>-<run>-<model>.png)")
    Path out;

    @Mixin
    KafkaClientOptions kafkaOptions = new KafkaClientOptions();

    @Option(names = "--topic", defaultValue = "model-checkpoints", description = "(default: ${DEFAULT-VALUE})")
    String topic;

    @Option(names = "--width", defaultValue = "1000", description = "pixels (default: ${DEFAULT-VALUE})")
    int width;

    @Option(names = "--height", defaultValue = "700", description = "pixels (default: ${DEFAULT-VALUE})")
    int height;

    @Option(names = "--timeout", defaultValue = "PT30S", description = "reading the topic (default: 30 s)")
    Duration timeout;

    @Mixin
    Console console;

    @Override
    public Integer call() {
        String bootstrap = kafkaOptions.bootstrapServers();
        if (bootstrap == null) {
            return console.usage(KafkaClientOptions.MISSING_BOOTSTRAP);
        }
        RunKey run;
        try {
            run = RunKey.parse(key);
        } catch (IllegalArgumentException e) {
            return console.usage("--key: " + e.getMessage());
        }
        if (width < 200 || height < 150 || width > 10_000 || height > 10_000) {
            return console.usage("--width and --height must be 200..10000 and 150..10000 pixels");
        }
        Path target = out != null ? out : Path.of(run.experiment() + "-" + run.run() + "-" + run.model() + ".png");
        List<CheckpointEvent> events;
        try {
            events = new EventTopic(bootstrap, topic, kafkaOptions.clientProperties()).read(run, timeout);
        } catch (IOException e) {
            return console.fail(
                    e.getMessage().contains("does not exist") ? Console.NOT_FOUND : Console.USAGE, e.getMessage());
        } catch (KafkaException e) {
            return console.usage(kafkaOptions
                    .refusal(e)
                    .orElse("Kafka at " + bootstrap + " did not answer: " + kafkaOptions.redacted(e.getMessage())));
        }
        RunChartData data = RunChartData.of(key, events);
        if (data.points().isEmpty()) {
            return console.fail(
                    Console.NOT_FOUND,
                    "no committed epoch of '" + key + "' on topic '" + topic + "' (" + events.size() + " events)");
        }
        try {
            RunChart.writePng(data, target, width, height);
        } catch (IOException e) {
            return console.usage("could not write " + target + ": " + e.getMessage());
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("out", target.toAbsolutePath().toString());
        result.put("key", key);
        result.put("epochs", data.points().size());
        result.put(
                "superseded",
                data.points().stream().filter(RunChartData.Point::superseded).count());
        result.put(
                "deleted",
                data.points().stream().filter(RunChartData.Point::deleted).count());
        result.put("attempts", data.attempts());
        result.put("rollbacks", data.rollbacks().size());
        console.json(result);
        return Console.OK;
    }
}
