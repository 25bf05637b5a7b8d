package dev.streamtrain.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamtrain.localstack.LocalStack;
import dev.streamtrain.localstack.LocalStackExtension;
import dev.streamtrain.sample.SampleFormat;
import dev.streamtrain.sample.synthetic.TeacherStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(LocalStackExtension.class)
class SampleProducerTest {
    private static TeacherStream teacher() {
        return TeacherStream.builder()
                .format(SampleFormat.BINARY)
                .featureDim(4)
                .regression(1)
                .seed(3)
                .build();
    }

    @Test
    void everySampleAndInvalidRecordLandsOnTheTopic(LocalStack stack) throws Exception {
        String topic = "producer-" + UUID.randomUUID().toString().substring(0, 8);
        KafkaClients.createTopics(stack.bootstrapServers(), topic);
        int bad;
        try (SampleProducer producer = new SampleProducer(stack.bootstrapServers(), topic)) {
            bad = producer.sendWithInvalid(teacher(), 2_500, List.of(new byte[] {1}, new byte[] {2, 3}), 2);
        }
        assertEquals(4, bad);
        try (KafkaConsumer<byte[], byte[]> consumer = KafkaClients.readCommittedConsumer(stack.bootstrapServers())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(15)).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition()))
                    .toList();
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            assertEquals(
                    2_504L, end.values().stream().mapToLong(Long::longValue).sum());
        }
    }

    @Test
    void aSendKafkaRefusesFailsTheFlushNamingTheTopic(LocalStack stack) throws Exception {
        String topic = "producer-" + UUID.randomUUID().toString().substring(0, 8);
        KafkaClients.createTopics(stack.bootstrapServers(), topic);
        try (SampleProducer producer = new SampleProducer(stack.bootstrapServers(), topic)) {
            producer.sendRaw(new byte[5 << 20]); // over the producer's max.request.size
            KafkaException e = assertThrows(KafkaException.class, producer::flush);
            assertTrue(e.getMessage().contains("'" + topic + "'"), e.getMessage());
            assertThrows(
                    KafkaException.class,
                    () -> producer.send(teacher(), 1, sent -> {}),
                    "later sends do not hide the failure");
        } catch (KafkaException closing) {
            // close() flushes and reports the same failure again: expected here
            assertTrue(closing.getMessage().contains(topic), closing.getMessage());
        }
    }
}
