package dev.streamtrain.sample;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.junit.jupiter.api.Test;

/** Keeps the wiring example in {@code docs/sample-formats.md} compiling against Flink 2.2. */
class WiringExampleTest {

    @Test
    void sourceValidatorAndDeadLetterSinkFormAGraph() {
        SampleSchema schema =
                SampleSchema.builder().format(SampleFormat.JSON).featureDim(4).build();
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        KafkaSource<DecodedRecord> source = KafkaSource.<DecodedRecord>builder()
                .setBootstrapServers("localhost:9092")
                .setTopics("samples")
                .setGroupId("streamtrain")
                .setStartingOffsets(OffsetsInitializer.earliest())
                .setDeserializer(new KafkaSampleDeserializer(schema))
                .build();
        SingleOutputStreamOperator<Sample> samples = env.fromSource(
                        source,
                        WatermarkStrategy.<DecodedRecord>forBoundedOutOfOrderness(Duration.ofSeconds(5))
                                .withTimestampAssigner(KafkaSampleDeserializer.eventTimeAssigner()),
                        "samples")
                .process(new SampleValidator())
                .name("validate samples");
        samples.getSideOutput(SampleValidator.DEAD_LETTERS)
                .sinkTo(KafkaSink.<DeadLetter>builder()
                        .setBootstrapServers("localhost:9092")
                        .setRecordSerializer(new DeadLetterSerializer("samples-dlq"))
                        .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                        .build());
        samples.sinkTo(new DiscardingSink<>());
        // source, validator, DLQ sink, sample sink (sinks may add committer nodes)
        assertTrue(env.getStreamGraph().getStreamNodes().size() >= 4);
    }
}
