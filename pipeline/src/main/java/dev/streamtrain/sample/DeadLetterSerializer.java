package dev.streamtrain.sample;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * Writes dead letters to the DLQ topic: the original bytes as the value, no key, and the
 * diagnosis in headers (as Kafka Connect's DLQ does), so the value can be replayed unchanged
 * once the producer or the schema is fixed. Header values are UTF-8 strings; numbers in decimal.
 * The original record's headers come first, unchanged and in order, then the reason headers (also
 * like Kafka Connect): a dead letter replayed and rejected again carries both diagnoses, and
 * {@code headers().lastHeader(HEADER_REASON)} is the newest.
 */
public class DeadLetterSerializer implements KafkaRecordSerializationSchema<DeadLetter> {

    private static final long serialVersionUID = 1L;

    public static final String HEADER_REASON = "streamtrain.dlq.reason";
    public static final String HEADER_MESSAGE = "streamtrain.dlq.message";
    public static final String HEADER_TOPIC = "streamtrain.dlq.topic";
    public static final String HEADER_PARTITION = "streamtrain.dlq.partition";
    public static final String HEADER_OFFSET = "streamtrain.dlq.offset";
    public static final String HEADER_TIMESTAMP = "streamtrain.dlq.timestamp";
    /** Set (to the original size in bytes) only when the value was cut to {@link #maxValueBytes}. */
    public static final String HEADER_ORIGINAL_SIZE = "streamtrain.dlq.original-size";

    /**
     * Below Kafka's default 1 MB message limit: a dead letter that the broker refused would fail
     * the sink and restart the job forever. The original stays at topic/partition/offset.
     */
    public static final int DEFAULT_MAX_VALUE_BYTES = 900 * 1024;

    private final String dlqTopic;
    private final int maxValueBytes;

    public DeadLetterSerializer(String dlqTopic) {
        this(dlqTopic, DEFAULT_MAX_VALUE_BYTES);
    }

    public DeadLetterSerializer(String dlqTopic, int maxValueBytes) {
        if (dlqTopic == null || dlqTopic.isBlank()) {
            throw new IllegalArgumentException("dead-letter topic must be named");
        }
        if (maxValueBytes <= 0) {
            throw new IllegalArgumentException("maxValueBytes must be positive, got " + maxValueBytes);
        }
        this.dlqTopic = dlqTopic;
        this.maxValueBytes = maxValueBytes;
    }

    public String topic() {
        return dlqTopic;
    }

    /**
     * The DLQ record gets no explicit timestamp, so the producer stamps it now: reusing the
     * original (possibly old) timestamp would let retention delete it before anyone looks.
     * The original timestamp travels in {@link #HEADER_TIMESTAMP}.
     */
    @Override
    public ProducerRecord<byte[], byte[]> serialize(DeadLetter d, KafkaSinkContext context, Long timestamp) {
        List<Header> headers = new ArrayList<>(7 + (d.originalHeaders == null ? 0 : d.originalHeaders.length));
        if (d.originalHeaders != null) {
            for (OriginalHeader h : d.originalHeaders) {
                headers.add(new RecordHeader(h.key, h.value));
            }
        }
        headers.add(header(HEADER_REASON, d.reason == null ? "" : d.reason.name()));
        headers.add(header(HEADER_MESSAGE, d.message == null ? "" : d.message));
        headers.add(header(HEADER_TOPIC, d.topic == null ? "" : d.topic));
        headers.add(header(HEADER_PARTITION, Integer.toString(d.partition)));
        headers.add(header(HEADER_OFFSET, Long.toString(d.offset)));
        headers.add(header(HEADER_TIMESTAMP, Long.toString(d.timestamp)));
        byte[] value = d.originalValue;
        if (value != null && value.length > maxValueBytes) {
            headers.add(header(HEADER_ORIGINAL_SIZE, Integer.toString(value.length)));
            value = Arrays.copyOf(value, maxValueBytes);
        }
        return new ProducerRecord<>(dlqTopic, null, null, null, value, headers);
    }

    private static Header header(String key, String value) {
        return new RecordHeader(key, value.getBytes(StandardCharsets.UTF_8));
    }
}
