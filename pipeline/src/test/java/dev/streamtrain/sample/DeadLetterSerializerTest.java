package dev.streamtrain.sample;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;

class DeadLetterSerializerTest {

    @Test
    void writesTheOriginalBytesWithoutKeyAndTheDiagnosisInHeaders() {
        byte[] original = "{\"features\":[1,2,3],\"label\":1}".getBytes(StandardCharsets.UTF_8);
        DeadLetter d = new DeadLetter(
                original,
                "samples",
                4,
                987_654_321_012L,
                1_700_000_000_000L,
                DeadLetterReason.WRONG_DIMENSION,
                "expected 2 features, got 3 — ü");

        ProducerRecord<byte[], byte[]> r = new DeadLetterSerializer("samples-dlq").serialize(d, null, 55L);

        assertEquals("samples-dlq", r.topic());
        assertNull(r.key());
        assertNull(r.partition(), "the producer's partitioner spreads dead letters");
        assertNull(r.timestamp(), "stamped at send time, so DLQ retention counts from now");
        assertArrayEquals(original, r.value());

        Map<String, String> headers = new LinkedHashMap<>();
        for (Header h : r.headers()) {
            headers.put(h.key(), new String(h.value(), StandardCharsets.UTF_8));
        }
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put(DeadLetterSerializer.HEADER_REASON, "WRONG_DIMENSION");
        expected.put(DeadLetterSerializer.HEADER_MESSAGE, "expected 2 features, got 3 — ü");
        expected.put(DeadLetterSerializer.HEADER_TOPIC, "samples");
        expected.put(DeadLetterSerializer.HEADER_PARTITION, "4");
        expected.put(DeadLetterSerializer.HEADER_OFFSET, "987654321012");
        expected.put(DeadLetterSerializer.HEADER_TIMESTAMP, "1700000000000");
        assertEquals(expected, headers);
        assertEquals("streamtrain.dlq.reason", DeadLetterSerializer.HEADER_REASON);
    }

    @Test
    void aTombstoneStaysATombstone() {
        DeadLetter d = new DeadLetter(null, "samples", 0, 1, -1, DeadLetterReason.EMPTY, "record value is null");
        assertNull(new DeadLetterSerializer("dlq").serialize(d, null, null).value());
    }

    @Test
    void aValueOverTheLimitIsCutAndSaysItsOriginalSize() {
        byte[] original = new byte[2000];
        Arrays.fill(original, (byte) 7);
        DeadLetter d = new DeadLetter(original, "samples", 0, 9, 1, DeadLetterReason.OVERSIZE, "too big");
        ProducerRecord<byte[], byte[]> r = new DeadLetterSerializer("dlq", 1500).serialize(d, null, null);
        assertArrayEquals(Arrays.copyOf(original, 1500), r.value());
        assertEquals(
                "2000",
                new String(
                        r.headers()
                                .lastHeader(DeadLetterSerializer.HEADER_ORIGINAL_SIZE)
                                .value(),
                        StandardCharsets.UTF_8));
        ProducerRecord<byte[], byte[]> small = new DeadLetterSerializer("dlq", 1500)
                .serialize(
                        new DeadLetter(new byte[1500], "samples", 0, 9, 1, DeadLetterReason.OVERSIZE, "x"), null, null);
        assertNull(small.headers().lastHeader(DeadLetterSerializer.HEADER_ORIGINAL_SIZE), "only cut values say so");
    }

    @Test
    void theTopicMustBeNamed() {
        assertThrows(IllegalArgumentException.class, () -> new DeadLetterSerializer(" "));
    }
}
