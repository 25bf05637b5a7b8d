package dev.streamtrain.sample;

import org.apache.flink.api.common.eventtime.SerializableTimestampAssigner;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Decodes every Kafka record into a {@link DecodedRecord}: a Sample, or a DeadLetter with the
 * original bytes.
 *
 * <p>It never throws on bad data and never drops a record: an exception here would fail the
 * source and the job would restart into the same record forever, and a silent drop would hide
 * the data loss. Routing happens downstream in {@link SampleValidator}.
 */
public class KafkaSampleDeserializer implements KafkaRecordDeserializationSchema<DecodedRecord> {

    private static final long serialVersionUID = 1L;

    private final SampleDecoder decoder;

    public KafkaSampleDeserializer(SampleSchema schema) {
        this.decoder = new SampleDecoder(schema);
    }

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<DecodedRecord> out) {
        DecodedRecord decoded =
                decoder.decode(record.value(), record.topic(), record.partition(), record.offset(), record.timestamp());
        if (decoded.deadLetter != null) {
            // only dead letters keep them: a Sample needs none, and copying them for every valid record costs
            decoded.deadLetter.originalHeaders = OriginalHeader.of(record.headers());
        }
        out.collect(decoded);
    }

    @Override
    public TypeInformation<DecodedRecord> getProducedType() {
        return TypeInformation.of(DecodedRecord.class);
    }

    /**
     * For the source's {@code WatermarkStrategy}: the KafkaSource stamps elements with the Kafka
     * record timestamp, but a JSON sample may carry its own {@code eventTime}, which this prefers.
     */
    public static SerializableTimestampAssigner<DecodedRecord> eventTimeAssigner() {
        return (record, kafkaTimestamp) -> record.sample != null ? record.sample.eventTimeMillis : kafkaTimestamp;
    }
}
