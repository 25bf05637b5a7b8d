package dev.streamtrain.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamtrain.events.CheckpointEvent;
import dev.streamtrain.events.CheckpointEventFixtures;
import dev.streamtrain.jobs.KafkaClients;
import dev.streamtrain.localstack.LocalStack;
import dev.streamtrain.localstack.LocalStackExtension;
import dev.streamtrain.store.RunKey;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import picocli.CommandLine;

/**
 * {@code events} (and the rollback listing, which reads the same topic) when another producer wrote
 * records that are not JSON: they are skipped with a warning naming partition and offset, stdout
 * stays one JSON event per line, and the tool exits 0.
 */
@ExtendWith(LocalStackExtension.class)
class EventsCommandTest {
    private static LocalStack stack;
    private static String run;
    private static String topic;
    private static List<CheckpointEvent> events;

    @BeforeAll
    static void writeEventsAndForeignRecords(LocalStack localStack) throws Exception {
        stack = localStack;
        run = "foreign-" + UUID.randomUUID().toString().substring(0, 8);
        topic = run + "-events";
        KafkaClients.createTopics(stack.bootstrapServers(), topic);
        events = List.of(committed(1, 5L), committed(2, 7L));
        byte[] key = events.get(0).key().getBytes(StandardCharsets.UTF_8);
        try (KafkaProducer<byte[], byte[]> producer = KafkaClients.bulkProducer(stack.bootstrapServers())) {
            producer.send(new ProducerRecord<>(topic, key, events.get(0).toJson())); // offset 0
            producer.send(new ProducerRecord<>(topic, key, "not json {".getBytes(StandardCharsets.UTF_8))); // offset 1
            producer.send(new ProducerRecord<>(topic, key, null)); // offset 2: a tombstone
            producer.send(new ProducerRecord<>(topic, key, events.get(1).toJson())); // offset 3
            producer.flush();
        }
    }

    @Test
    void aListingSkipsRecordsThatAreNotJsonWithAWarning() throws Exception {
        Run json = run(new EventsCommand(), "--bootstrap-servers", stack.bootstrapServers(), "--topic", topic);

        assertEquals(0, json.exit, json.err);
        assertEquals(
                List.of(
                        new String(events.get(0).toJson(), StandardCharsets.UTF_8),
                        new String(events.get(1).toJson(), StandardCharsets.UTF_8)),
                json.lines(),
                "the events as written, nothing else");
        for (long offset : new long[] {1, 2}) {
            assertTrue(
                    json.err.contains("skipped a record that is not JSON at " + topic + "-0 offset " + offset),
                    json.err);
        }

        Run human = run(
                new EventsCommand(),
                "--bootstrap-servers",
                stack.bootstrapServers(),
                "--topic",
                topic,
                "--format",
                "human",
                "--key",
                events.get(0).key());
        assertEquals(0, human.exit, human.err);
        assertEquals(3, human.lines().size(), "a header and one line per event: " + human.out);
        assertTrue(human.lines().get(2).contains("epoch-committed (attempt 1)"), human.out);

        Run firstTwo = run(
                new EventsCommand(),
                "--bootstrap-servers",
                stack.bootstrapServers(),
                "--topic",
                topic,
                "--max-events",
                "2");
        assertEquals(0, firstTwo.exit, firstTwo.err);
        assertEquals(2, firstTwo.lines().size(), "skipped records do not count as events: " + firstTwo.out);
    }

    @Test
    void theRollbackListingReadsTheSameTopicAndListsBothRestorePoints() throws Exception {
        RollbackCommand cmd = new RollbackCommand();
        Run listing = run(
                cmd,
                "--bootstrap-servers",
                stack.bootstrapServers(),
                "--topic",
                topic,
                "--key",
                events.get(0).key(),
                "--s3-endpoint",
                stack.s3().endpoint().toString(),
                "--access-key",
                stack.s3().accessKey(),
                "--secret-key",
                stack.s3().secretKey());

        assertEquals(0, listing.exit, listing.err);
        List<Long> epochs = new ArrayList<>();
        for (String line : listing.lines()) {
            JsonNode row = new ObjectMapper().readTree(line);
            epochs.add(row.path("epoch").asLong());
            assertEquals("gone", row.path("status").asText(), "no checkpoint was written under these paths: " + line);
        }
        assertEquals(
                List.of(1L, 2L),
                epochs,
                "the foreign records neither end the listing nor appear in it: " + listing.out);
    }

    private static CheckpointEvent committed(long epoch, long checkpointId) {
        String bucket = "s3://" + stack.bucket();
        return CheckpointEventFixtures.committed(new RunKey("exp", run, "m"), bucket + "/exp/" + run + "/m", epoch)
                .job("job-" + run, 1)
                .checkpoint(checkpointId, bucket + "/" + run + "/cp")
                .build();
    }

    private record Run(int exit, String out, String err) {
        List<String> lines() {
            String text = out.trim();
            return text.isEmpty() ? List.of() : List.of(text.split("\n"));
        }
    }

    private static Run run(Object command, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Console console = new Console(
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        if (command instanceof EventsCommand c) {
            c.console = console;
        } else if (command instanceof RollbackCommand c) {
            c.console = console;
        }
        int exit = new CommandLine(command).execute(args);
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
