package dev.streamtrain.sample;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.flink.api.common.functions.util.ListCollector;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.util.InstantiationUtil;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

class KafkaSampleDeserializerTest {

    private static final SampleSchema SCHEMA =
            SampleSchema.builder().format(SampleFormat.BINARY).featureDim(2).build();

    @Test
    void everyRecordBecomesExactlyOneDecodedRecordAndTheSchemaSurvivesJavaSerialization() throws Exception {
        // Flink ships the deserializer to the tasks with Java serialization
        KafkaSampleDeserializer d = InstantiationUtil.clone(new KafkaSampleDeserializer(SCHEMA));
        List<DecodedRecord> out = new ArrayList<>();
        d.deserialize(
                record(5, 1_000L, SampleEncoder.binary(new float[] {1, 2}, new float[] {3})), new ListCollector<>(out));
        d.deserialize(record(6, 2_000L, null), new ListCollector<>(out));

        assertEquals(2, out.size());
        assertArrayEquals(new float[] {1, 2}, out.get(0).sample.features);
        assertEquals(5L, out.get(0).sample.offset);
        assertEquals(1_000L, out.get(0).sample.eventTimeMillis);
        assertEquals(DeadLetterReason.EMPTY, out.get(1).deadLetter.reason);
        assertEquals(6L, out.get(1).deadLetter.offset);
        assertTrue(d.getProducedType() instanceof PojoTypeInfo);
    }

    @Test
    void theTimestampAssignerPrefersTheSamplesOwnEventTime() {
        var assigner = KafkaSampleDeserializer.eventTimeAssigner();
        DecodedRecord good = DecodedRecord.of(new Sample(new float[2], new float[1], 123L));
        DecodedRecord bad = DecodedRecord.of(new DeadLetter(null, "t", 0, 0, 9L, DeadLetterReason.EMPTY, "x"));
        assertEquals(123L, assigner.extractTimestamp(good, 999L));
        assertEquals(999L, assigner.extractTimestamp(bad, 999L));
    }

    private static ConsumerRecord<byte[], byte[]> record(long offset, long timestamp, byte[] value) {
        return new ConsumerRecord<>(
                "samples",
                1,
                offset,
                timestamp,
                TimestampType.CREATE_TIME,
                0,
                value == null ? 0 : value.length,
                null,
                value,
                new RecordHeaders(),
                Optional.empty());
    }
}
