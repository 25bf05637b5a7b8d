package dev.streamtrain.sample;

import java.util.Arrays;
import java.util.Objects;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * One header of the Kafka record a {@link DeadLetter} came from, kept so that the dead letter
 * carries the producer's headers (trace ids, schema ids, …) as Kafka Connect's DLQ does. A Flink
 * POJO; an array of them keeps the order and repeated keys of the original.
 */
public class OriginalHeader {

    public String key;

    /** The header value byte for byte; null stays null. */
    public byte[] value;

    public OriginalHeader() {}

    public OriginalHeader(String key, byte[] value) {
        this.key = key;
        this.value = value;
    }

    /** The headers of a record in their order, or an empty array when it has none. */
    public static OriginalHeader[] of(Headers headers) {
        if (headers == null) {
            return new OriginalHeader[0];
        }
        return Arrays.stream(headers.toArray())
                .map((Header h) -> new OriginalHeader(h.key(), h.value()))
                .toArray(OriginalHeader[]::new);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof OriginalHeader h && Objects.equals(key, h.key) && Arrays.equals(value, h.value);
    }

    @Override
    public int hashCode() {
        return 31 * Objects.hashCode(key) + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        return key + "=" + (value == null ? "null" : value.length + " bytes");
    }
}
