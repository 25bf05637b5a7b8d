package dev.streamtrain.events;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.streamtrain.store.RunKey;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/** What the event sink hands Kafka: the topic, the model's key and the event's own JSON, nothing else. */
class EventRecordSerializerTest {

    @Test
    void keyIsTheModelAndValueIsTheEventJsonUnchanged() throws Exception {
        CheckpointEvent deleted = CheckpointEvent.epochDeleted(
                        new RunKey("exp", "run-7", "mlp"), 3, "s3://bucket/exp/run-7/mlp/epoch-000003/")
                .samplesTotal(768)
                .checkpoint(12L, "s3://bucket/ck/job/chk-12")
                .flinkJobId("job-a")
                .attempt(2)
                .build();
        CheckpointEvent other = CheckpointEvent.epochDeleted(
                        new RunKey("exp", "run-8", "mlp"), 1, "s3://bucket/exp/run-8/mlp/epoch-000001/")
                .samplesTotal(256)
                .flinkJobId("job-b")
                .build();
        EventRecordSerializer serializer = new EventRecordSerializer("model-checkpoints-test");

        for (CheckpointEvent event : List.of(deleted, other)) {
            EventRecord record = EventRecord.of(event);
            ProducerRecord<byte[], byte[]> out = serializer.serialize(record, null, 1_700_000_000_000L);

            assertEquals("model-checkpoints-test", out.topic());
            assertEquals(
                    event.experiment() + "/" + event.run() + "/" + event.model(),
                    new String(out.key(), StandardCharsets.UTF_8),
                    "keyed by model: its events stay in one partition, in order");
            assertNull(out.partition(), "Kafka's partitioner picks the partition from the key");
            assertArrayEquals(record.json, out.value(), "the trainer's JSON bytes, not re-encoded");
            assertEquals(event, CheckpointEvent.fromJson(out.value()), "a consumer reads back the same event");
        }
    }
}
