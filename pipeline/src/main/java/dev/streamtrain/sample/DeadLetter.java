package dev.streamtrain.sample;

import java.util.Arrays;
import java.util.Objects;

/**
 * A record that could not become a {@link Sample}, kept so someone can inspect, fix and replay it.
 *
 * <p>{@link #originalValue} is the record value exactly as it was read (null stays null), so a
 * replay tool can re-produce it unchanged. A Flink POJO, like {@link Sample}.
 */
public class DeadLetter {

    /** The Kafka record value byte for byte; null when the record was a tombstone. */
    public byte[] originalValue;

    public String topic;

    public int partition;

    public long offset;

    /** The Kafka record timestamp (epoch millis; -1 when the record had none). */
    public long timestamp;

    public DeadLetterReason reason;

    /** For people: what was wrong, e.g. "expected 8 features, got 9". */
    public String message;

    /**
     * The headers of the original record, in order (empty when it had none, null for a dead letter
     * not made from a Kafka record); written to the DLQ before the reason headers.
     */
    public OriginalHeader[] originalHeaders;

    public DeadLetter() {}

    public DeadLetter(
            byte[] originalValue,
            String topic,
            int partition,
            long offset,
            long timestamp,
            DeadLetterReason reason,
            String message) {
        this.originalValue = originalValue;
        this.topic = topic;
        this.partition = partition;
        this.offset = offset;
        this.timestamp = timestamp;
        this.reason = reason;
        this.message = message;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof DeadLetter)) {
            return false;
        }
        DeadLetter d = (DeadLetter) o;
        return partition == d.partition
                && offset == d.offset
                && timestamp == d.timestamp
                && Arrays.equals(originalValue, d.originalValue)
                && Objects.equals(topic, d.topic)
                && reason == d.reason
                && Objects.equals(message, d.message)
                && Arrays.equals(originalHeaders, d.originalHeaders);
    }

    @Override
    public int hashCode() {
        return 31 * Objects.hash(topic, partition, offset, timestamp, reason, message) + Arrays.hashCode(originalValue);
    }

    @Override
    public String toString() {
        return "DeadLetter{" + reason + ": " + message + ", source=" + topic + '/' + partition + '@' + offset
                + ", timestamp=" + timestamp + ", bytes=" + (originalValue == null ? "null" : originalValue.length)
                + '}';
    }
}
