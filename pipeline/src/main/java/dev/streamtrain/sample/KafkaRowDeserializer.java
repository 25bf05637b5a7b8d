package dev.streamtrain.sample;

import org.apache.flink.api.common.eventtime.SerializableTimestampAssigner;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The batched path's source deserializer: decodes and validates each Kafka record into one reused
 * {@link DecodedRow} (see there why reuse is safe). Like {@link KafkaSampleDeserializer} it never
 * throws on bad data and never drops a record; {@link SampleBatcher} routes rows and dead letters.
 */
public class KafkaRowDeserializer implements KafkaRecordDeserializationSchema<DecodedRow> {
    private static final long serialVersionUID = 1L;

    private final SampleDecoder decoder;
    private transient DecodedRow row;

    public KafkaRowDeserializer(SampleSchema schema) {
        this.decoder = new SampleDecoder(schema);
    }

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<DecodedRow> out) {
        if (row == null) {
            row = new DecodedRow(decoder.schema().featureDim(), decoder.schema().labelWidth());
        }
        decoder.decodeInto(
                record.value(), record.topic(), record.partition(), record.offset(), record.timestamp(), row);
        if (row.deadLetter != null) {
            // only dead letters keep them: a valid row needs none, and copying them for every record costs
            row.deadLetter.originalHeaders = OriginalHeader.of(record.headers());
        }
        out.collect(row);
    }

    @Override
    public TypeInformation<DecodedRow> getProducedType() {
        return TypeInformation.of(DecodedRow.class);
    }

    /**
     * For the source's {@code WatermarkStrategy}: a JSON record's own {@code eventTime} when it has
     * one, else the Kafka timestamp (as {@link KafkaSampleDeserializer#eventTimeAssigner()}).
     */
    public static SerializableTimestampAssigner<DecodedRow> eventTimeAssigner() {
        return (row, kafkaTimestamp) -> row.valid() ? row.eventTimeMillis : kafkaTimestamp;
    }
}
