package dev.streamtrain.jobs.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamtrain.jobs.KafkaClients;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Lists or tails the checkpoint-event topic as a read_committed consumer. */
@Command(name = "events", mixinStandardHelpOptions = true,
        description = {"List (default) or tail (--follow) the checkpoint events, as a read_committed consumer:",
                "only events whose Flink checkpoint completed are shown. JSON lines on stdout by default."})
final class EventsCommand implements Callable<Integer> {
    @Option(names = "--bootstrap-servers", defaultValue = "${env:STREAMTRAIN_KAFKA}",
            description = "Kafka bootstrap servers (default: $STREAMTRAIN_KAFKA)")
    String bootstrap;

    @Option(names = "--topic", defaultValue = "model-checkpoints", description = "(default: ${DEFAULT-VALUE})")
    String topic;

    @Option(names = "--follow", description = "keep tailing until Ctrl-C")
    boolean follow;

    @Option(names = "--format", defaultValue = "json", description = "json (the event JSON, one per line) or human")
    String format;

    @Option(names = "--key", description = "only events of <experiment>/<run>/<model>")
    String key;

    PrintStream out = System.out;

    @Override
    public Integer call() {
        if (bootstrap == null || bootstrap.isBlank()) {
            System.err.println("streamtrain events: give --bootstrap-servers or set STREAMTRAIN_KAFKA");
            return 2;
        }
        if (!format.equals("json") && !format.equals("human")) {
            System.err.println("streamtrain events: --format must be json or human");
            return 2;
        }
        ObjectMapper json = new ObjectMapper();
        try (KafkaConsumer<byte[], byte[]> consumer = KafkaClients.readCommittedConsumer(bootstrap)) {
            var partitions = consumer.partitionsFor(topic, Duration.ofSeconds(15)).stream()
                    .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
            if (partitions.isEmpty()) {
                System.err.println("streamtrain events: topic '" + topic + "' does not exist on " + bootstrap);
                return 4;
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            // read_committed: the end offsets are the last stable offsets, what a listing should reach
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            if (format.equals("human")) {
                out.printf("%-24s  %-40s  %7s  %10s  %10s  %6s  %s%n", "created", "experiment/run/model", "epoch",
                        "samples", "mean loss", "chkpt", "type / artifact");
            }
            while (follow || !reached(consumer, end.keySet(), end)) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    String k = r.key() == null ? "" : new String(r.key(), StandardCharsets.UTF_8);
                    if (key != null && !key.equals(k)) {
                        continue;
                    }
                    String value = new String(r.value(), StandardCharsets.UTF_8);
                    out.println(format.equals("json") ? value : human(json.readTree(value)));
                }
                out.flush();
            }
            return 0;
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            System.err.println("streamtrain events: Kafka at " + bootstrap + " did not answer: " + e.getMessage());
            return 3;
        } catch (java.io.IOException e) {
            System.err.println("streamtrain events: an event is not valid JSON: " + e.getMessage());
            return 3;
        }
    }

    private static boolean reached(KafkaConsumer<?, ?> consumer, Set<TopicPartition> partitions, Map<TopicPartition, Long> end) {
        for (TopicPartition tp : partitions) {
            if (consumer.position(tp) < end.get(tp)) {
                return false;
            }
        }
        return true;
    }

    private static String human(JsonNode e) {
        String type = e.path("type").asText();
        String meanLoss = e.path("manifest").path("metrics").has("meanLoss")
                ? String.format("%.5f", e.path("manifest").path("metrics").path("meanLoss").asDouble()) : "-";
        String samples = e.path("manifest").has("sampleCount") ? e.path("manifest").path("sampleCount").asText() : "-";
        String checkpoint = e.path("checkpointId").isNull() ? "final" : e.path("checkpointId").asText();
        return String.format("%-24s  %-40s  %7d  %10s  %10s  %6s  %s %s", e.path("createdAt").asText(),
                e.path("experiment").asText() + "/" + e.path("run").asText() + "/" + e.path("model").asText(),
                e.path("epoch").asLong(), samples, meanLoss, checkpoint, type, e.path("artifactUri").asText());
    }
}
