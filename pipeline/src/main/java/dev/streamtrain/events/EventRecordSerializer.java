package dev.streamtrain.events;

import java.nio.charset.StandardCharsets;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Events to the checkpoint-event topic: key {@code <experiment>/<run>/<model>}, value JSON. */
public class EventRecordSerializer implements KafkaRecordSerializationSchema<EventRecord> {
    private static final long serialVersionUID = 1L;
    private final String topic;

    public EventRecordSerializer(String topic) {
        this.topic = topic;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(EventRecord event, KafkaSinkContext context, Long timestamp) {
        return new ProducerRecord<>(topic, event.key.getBytes(StandardCharsets.UTF_8), event.json);
    }
}
