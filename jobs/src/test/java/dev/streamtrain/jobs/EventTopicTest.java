package dev.streamtrain.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.streamtrain.events.CheckpointEvent;
import dev.streamtrain.events.CheckpointEventFixtures;
import dev.streamtrain.localstack.LocalStack;
import dev.streamtrain.localstack.LocalStackExtension;
import dev.streamtrain.rollback.RunHistory;
import dev.streamtrain.store.RunKey;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The lineage reader (what rollback reads) on a topic where another producer wrote records that are not events. */
@ExtendWith(LocalStackExtension.class)
class EventTopicTest {

    @Test
    void recordsThatAreNotJsonEventsAreSkippedAndTheRunsHistoryIsIntact(LocalStack stack) throws Exception {
        String run = "lineage-" + UUID.randomUUID().toString().substring(0, 8);
        String topic = run + "-events";
        KafkaClients.createTopics(stack.bootstrapServers(), topic);
        CheckpointEvent first = committed(run, 1, 5L);
        CheckpointEvent second = committed(run, 2, 7L);
        byte[] key = first.key().getBytes(StandardCharsets.UTF_8);
        try (KafkaProducer<byte[], byte[]> producer = KafkaClients.bulkProducer(stack.bootstrapServers())) {
            producer.send(new ProducerRecord<>(topic, key, first.toJson()));
            producer.send(new ProducerRecord<>(topic, key, "epoch 2 done \u0000{".getBytes(StandardCharsets.UTF_8)));
            producer.send(new ProducerRecord<>(topic, key, null)); // a tombstone
            producer.send(new ProducerRecord<>(topic, key, second.toJson()));
            producer.flush();
        }

        List<CheckpointEvent> events =
                new EventTopic(stack.bootstrapServers(), topic).read(first.runKey(), Duration.ofSeconds(30));

        assertEquals(List.of(first, second), events, "both events, in topic order, nothing from the foreign records");
        RunHistory history = RunHistory.of(events);
        assertEquals(
                List.of(1L, 2L),
                history.liveEpochs().stream().map(CheckpointEvent::epoch).toList());
        assertEquals("job-" + run, history.currentJobId());
    }

    /** An epoch-committed event as the job writes it, whose checkpoint lies in the stack's bucket. */
    private static CheckpointEvent committed(String run, long epoch, long checkpointId) {
        String bucket = "s3://" + LocalStackExtension.BUCKET;
        return CheckpointEventFixtures.committed(new RunKey("exp", run, "m"), bucket + "/exp/" + run + "/m", epoch)
                .job("job-" + run, 1)
                .checkpoint(checkpointId, bucket + "/" + run + "/cp")
                .build();
    }
}
