package dev.streamtrain.localstack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamtrain.store.FlinkS3;
import dev.streamtrain.store.S3Clients;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.serialization.SimpleStringSchema;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The whole stack at once: a Flink MiniCluster job reads the embedded broker, keeps keyed state,
 * checkpoints every second to s3:// through flink-s3-fs-presto on the embedded S3 server, and writes
 * with KafkaSink EXACTLY_ONCE.
 */
@ExtendWith(LocalStackExtension.class)
class LocalStackTest {
    private static final int RECORDS = 500;
    private static final int KEYS = 5;

    @Test
    void checkpointsLandInS3AndReadCommittedSeesEachRecordOnce(LocalStack stack) throws Exception {
        String run = "smoke-" + UUID.randomUUID().toString().substring(0, 8);
        String in = run + "-in";
        String out = run + "-out";
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", stack.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(in, 2, (short) 1), new NewTopic(out, 1, (short) 1)))
                    .all()
                    .get();
        }
        produce(stack.bootstrapServers(), in);

        String checkpoints = "s3://" + stack.bucket() + "/" + run + "/checkpoints";
        Configuration conf = FlinkS3.apply(new Configuration(), stack.s3());
        conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpoints);
        conf.set(
                CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION,
                ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        FlinkS3.initializeInThisJvm(conf);

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(1);
        env.enableCheckpointing(1000);
        KafkaSource<String> source = KafkaSource.<String>builder()
                .setBootstrapServers(stack.bootstrapServers())
                .setTopics(in)
                .setGroupId(run)
                .setStartingOffsets(OffsetsInitializer.earliest())
                .setValueOnlyDeserializer(new SimpleStringSchema())
                .build();
        KafkaSink<String> sink = KafkaSink.<String>builder()
                .setBootstrapServers(stack.bootstrapServers())
                .setRecordSerializer(KafkaRecordSerializationSchema.builder()
                        .setTopic(out)
                        .setValueSerializationSchema(new SimpleStringSchema())
                        .build())
                .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                .setTransactionalIdPrefix(run)
                .setProperty("transaction.timeout.ms", "300000")
                .build();
        env.fromSource(source, WatermarkStrategy.noWatermarks(), "samples")
                .keyBy(v -> v.split(":")[0])
                .process(new CountPerKey())
                .sinkTo(sink);

        JobClient job = env.executeAsync("stack-smoke");
        Map<String, Long> maxCountPerKey = new HashMap<>();
        List<String> seen = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = readCommitted(stack.bootstrapServers(), run)) {
            consumer.subscribe(List.of(out));
            Await.until(Duration.ofSeconds(90), 0, RECORDS + " committed records on " + out, () -> {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    seen.add(r.value());
                    String[] parts = r.value().split(":");
                    maxCountPerKey.merge(parts[0], Long.parseLong(parts[1]), Math::max);
                }
                return seen.size() >= RECORDS;
            });
            // anything beyond RECORDS would be a duplicate: give it a moment to show up
            seen.addAll(drain(consumer));
        } finally {
            job.cancel().get();
        }

        assertEquals(RECORDS, seen.size(), "each record exactly once");
        assertEquals(RECORDS, seen.stream().distinct().count(), "no duplicates");
        assertEquals(KEYS, maxCountPerKey.size());
        maxCountPerKey.values().forEach(c -> assertEquals(RECORDS / KEYS, c, "keyed state counted every record once"));

        try (S3Client s3 = S3Clients.create(stack.s3())) {
            List<String> metadata = s3
                    .listObjectsV2Paginator(b -> b.bucket(stack.bucket()).prefix(run + "/checkpoints/"))
                    .contents()
                    .stream()
                    .map(o -> o.key())
                    .filter(k -> k.endsWith("/_metadata"))
                    .toList();
            assertFalse(
                    metadata.isEmpty(), "checkpoint _metadata in s3://" + stack.bucket() + "/" + run + "/checkpoints");
            assertTrue(metadata.stream().allMatch(k -> k.matches(".*/chk-\\d+/_metadata")), metadata.toString());
        }
    }

    private static void produce(String bootstrap, String topic) throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
            for (int i = 0; i < RECORDS; i++) {
                producer.send(new ProducerRecord<>(topic, "k" + (i % KEYS) + ":" + i));
            }
            producer.flush();
        }
    }

    private static KafkaConsumer<String, String> readCommitted(String bootstrap, String group) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, group + "-verify");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        return new KafkaConsumer<>(p);
    }

    private static List<String> drain(KafkaConsumer<String, String> consumer) {
        List<String> more = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            consumer.poll(Duration.ofMillis(500)).forEach(r -> more.add(r.value()));
        }
        return more;
    }

    /** Emits "key:count:original" — the count comes from keyed state, so a replay would show. */
    static final class CountPerKey extends KeyedProcessFunction<String, String, String> {
        private transient ValueState<Long> count;

        @Override
        public void open(OpenContext openContext) {
            count = getRuntimeContext().getState(new ValueStateDescriptor<>("count", Long.class));
        }

        @Override
        public void processElement(String value, Context ctx, Collector<String> out) throws Exception {
            long next = (count.value() == null ? 0 : count.value()) + 1;
            count.update(next);
            out.collect(ctx.getCurrentKey() + ":" + next + ":" + value.split(":")[1]);
        }
    }
}
