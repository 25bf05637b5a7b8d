package dev.streamtrain.jobs.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamtrain.jobs.KafkaClients;
import dev.streamtrain.store.RunKey;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Lists or tails the checkpoint-event topic as a read_committed consumer. */
@Command(
        name = "events",
        mixinStandardHelpOptions = true,
        description = {
            "List (default) or tail (--follow) the checkpoint events, as a read_committed consumer:",
            "only events whose Flink checkpoint completed are shown. JSON lines on stdout by default.",
            "A listing reads to the end offsets taken at start, then exits.",
            "A record that is not JSON is skipped with a warning on stderr naming its partition and offset.",
            "Exit codes: 0 ok, 2 usage or Kafka unreachable, 4 the topic does not exist."
        })
final class EventsCommand implements Callable<Integer> {
    @Mixin
    KafkaClientOptions kafkaOptions = new KafkaClientOptions();

    @Option(names = "--topic", defaultValue = "model-checkpoints", description = "(default: ${DEFAULT-VALUE})")
    String topic;

    @Option(names = "--follow", description = "keep tailing until Ctrl-C")
    boolean follow;

    @Option(names = "--format", defaultValue = "json", description = "json (the event JSON, one per line) or human")
    String format;

    @Option(names = "--key", description = "only events of <experiment>/<run>/<model>")
    String key;

    @Option(
            names = "--from-beginning",
            negatable = true,
            description = "start at the oldest event"
                    + " (default: yes when listing; --follow starts at the end unless given)")
    Boolean fromBeginning;

    @Option(names = "--max-events", description = "stop after this many (matching) events")
    Long maxEvents;

    @Mixin
    Console console;

    @Override
    public Integer call() {
        String bootstrap = kafkaOptions.bootstrapServers();
        if (bootstrap == null) {
            return console.usage(KafkaClientOptions.MISSING_BOOTSTRAP);
        }
        if (!format.equals("json") && !format.equals("human")) {
            return console.usage("--format must be json or human");
        }
        if (key != null) {
            try {
                RunKey.parse(key);
            } catch (IllegalArgumentException e) {
                return console.usage("--key: " + e.getMessage());
            }
        }
        if (maxEvents != null && maxEvents < 1) {
            return console.usage("--max-events must be at least 1");
        }
        boolean beginning = fromBeginning != null ? fromBeginning : !follow;
        ObjectMapper json = new ObjectMapper();
        try (KafkaConsumer<byte[], byte[]> consumer =
                KafkaClients.readCommittedConsumer(bootstrap, kafkaOptions.clientProperties())) {
            var partitions = consumer.partitionsFor(topic, Duration.ofSeconds(15)).stream()
                    .map(i -> new TopicPartition(i.topic(), i.partition()))
                    .toList();
            if (partitions.isEmpty()) {
                return console.fail(Console.NOT_FOUND, "topic '" + topic + "' does not exist on " + bootstrap);
            }
            consumer.assign(partitions);
            if (beginning) {
                consumer.seekToBeginning(partitions);
            } else {
                consumer.seekToEnd(partitions);
            }
            // read_committed: the end offsets are the last stable offsets, what a listing should reach
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long startedAt = 0;
            for (TopicPartition tp : partitions) {
                startedAt += consumer.position(tp); // resolves the seek now: nothing after this line is missed
            }
            if (follow) {
                console.say("following '" + topic + "' from " + (beginning ? "the beginning" : "the end") + " (offset "
                        + startedAt + "), Ctrl-C stops");
            }
            if (format.equals("human")) {
                console.line(String.format(
                        "%-24s  %-40s  %7s  %10s  %10s  %6s  %s",
                        "created",
                        "experiment/run/model",
                        "epoch",
                        "samples",
                        "mean loss",
                        "chkpt",
                        "type (attempt) / artifact"));
            }
            long shown = 0;
            while (follow || !reached(consumer, end.keySet(), end)) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    String k = r.key() == null ? "" : new String(r.key(), StandardCharsets.UTF_8);
                    if (key != null && !key.equals(k)) {
                        continue;
                    }
                    JsonNode event = parse(json, r);
                    if (event == null) {
                        // not ours (a foreign producer, a tombstone): stdout stays JSON lines, the listing goes on
                        console.say("skipped a record that is not JSON at " + r.topic() + "-" + r.partition()
                                + " offset " + r.offset());
                        continue;
                    }
                    console.line(
                            format.equals("json") ? new String(r.value(), StandardCharsets.UTF_8) : human(k, event));
                    if (maxEvents != null && ++shown >= maxEvents) {
                        return Console.OK;
                    }
                }
            }
            return Console.OK;
        } catch (KafkaException e) { // a timeout, or credentials or a handshake refused
            return console.usage(kafkaOptions
                    .refusal(e)
                    .orElse("Kafka at " + bootstrap + " did not answer: " + kafkaOptions.redacted(e.getMessage())));
        }
    }

    /** The record's value as JSON, or null when it is not JSON. */
    private static JsonNode parse(ObjectMapper json, ConsumerRecord<byte[], byte[]> r) {
        if (r.value() == null) {
            return null;
        }
        try {
            JsonNode node = json.readTree(r.value());
            return node == null || node.isMissingNode() ? null : node;
        } catch (IOException e) {
            return null;
        }
    }

    private static boolean reached(
            KafkaConsumer<?, ?> consumer, Set<TopicPartition> partitions, Map<TopicPartition, Long> end) {
        for (TopicPartition tp : partitions) {
            if (consumer.position(tp) < end.get(tp)) {
                return false;
            }
        }
        return true;
    }

    /** One line for people; {@code key} is the record's Kafka key, the event's {@link RunKey}. */
    private static String human(String key, JsonNode e) {
        String type = e.path("type").asText();
        String meanLoss = e.path("manifest").path("metrics").has("meanLoss")
                ? String.format(
                        "%.5f",
                        e.path("manifest").path("metrics").path("meanLoss").asDouble())
                : "-";
        String samples = e.path("manifest").has("sampleCount")
                ? e.path("manifest").path("sampleCount").asText()
                : "-";
        String checkpoint = e.path("checkpointId").isNull()
                ? "final"
                : e.path("checkpointId").asText();
        return String.format(
                "%-24s  %-40s  %7d  %10s  %10s  %6s  %s %s",
                e.path("createdAt").asText(),
                key,
                e.path("epoch").asLong(),
                samples,
                meanLoss,
                checkpoint,
                type + " (attempt " + Math.max(1, e.path("attempt").asInt()) + ")",
                e.path("artifactUri").asText());
    }
}
