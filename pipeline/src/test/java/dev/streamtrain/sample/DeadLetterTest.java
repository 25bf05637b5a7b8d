package dev.streamtrain.sample;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamtrain.localstack.LocalStack;
import dev.streamtrain.localstack.LocalStackExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.flink.api.common.functions.util.ListCollector;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Dead letters keep the original record's headers, then add the reason headers (issue 12.5). */
@ExtendWith(LocalStackExtension.class)
class DeadLetterTest {

    private static final SampleSchema SCHEMA =
            SampleSchema.builder().format(SampleFormat.BINARY).featureDim(2).build();

    @Test
    void aRejectedRecordReachesTheDlqWithItsHeadersInOrderThenTheReasonHeaders(LocalStack stack) throws Exception {
        String samples = "dlq-headers-" + UUID.randomUUID();
        String dlq = samples + "-dlq";
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", stack.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(samples, 1, (short) 1), new NewTopic(dlq, 1, (short) 1)))
                    .all()
                    .get();
        }
        List<Header> original = List.of(
                new RecordHeader("trace-id", "abc-123".getBytes(StandardCharsets.UTF_8)),
                new RecordHeader("schema", new byte[] {0, 1, (byte) 0xff}),
                new RecordHeader("trace-id", "repeated".getBytes(StandardCharsets.UTF_8)),
                new RecordHeader("empty", null));
        byte[] badValue = new byte[] {1, 2, 3}; // not a BINARY record of 2 features
        try (KafkaProducer<byte[], byte[]> producer = producer(stack)) {
            producer.send(new ProducerRecord<>(samples, 0, null, null, badValue, original))
                    .get();
            producer.send(new ProducerRecord<>(
                            samples,
                            0,
                            null,
                            null,
                            SampleEncoder.binary(new float[] {1, 2}, new float[] {3}),
                            original))
                    .get();
        }

        List<DecodedRecord> decoded = new ArrayList<>();
        KafkaSampleDeserializer deserializer = new KafkaSampleDeserializer(SCHEMA);
        for (ConsumerRecord<byte[], byte[]> r : readAll(stack, samples, 2)) {
            deserializer.deserialize(r, new ListCollector<>(decoded));
        }
        assertEquals(2, decoded.size());
        assertTrue(decoded.get(1).valid(), "the valid record still decodes");
        DeadLetter letter = decoded.get(0).deadLetter;
        assertEquals(DeadLetterReason.WRONG_DIMENSION, letter.reason);
        // the job's batched path decodes through KafkaRowDeserializer: its dead letter is the same
        KafkaRowDeserializer rows = new KafkaRowDeserializer(SCHEMA);
        List<DeadLetter> fromRows = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : readAll(stack, samples, 2)) {
            rows.deserialize(r, new Collector<>() {
                @Override
                public void collect(DecodedRow row) {
                    fromRows.add(row.deadLetter); // the row is reused: keep what it says now
                }

                @Override
                public void close() {}
            });
        }
        assertEquals(letter, fromRows.get(0));
        assertNull(fromRows.get(1), "the valid record decodes on the batched path too");
        DeadLetter shipped = throughFlinksSerializer(letter); // the job moves it between operators
        assertEquals(letter, shipped);

        try (KafkaProducer<byte[], byte[]> producer = producer(stack)) {
            producer.send(new DeadLetterSerializer(dlq).serialize(shipped, null, null))
                    .get();
        }
        ConsumerRecord<byte[], byte[]> dead = readAll(stack, dlq, 1).get(0);
        assertArrayEquals(badValue, dead.value());
        Header[] headers = dead.headers().toArray();
        assertEquals(original.size() + 6, headers.length, List.of(headers).toString());
        for (int i = 0; i < original.size(); i++) {
            assertEquals(original.get(i).key(), headers[i].key(), "original header " + i + " keeps its place");
            assertArrayEquals(original.get(i).value(), headers[i].value(), "original header " + i + " keeps its bytes");
        }
        assertEquals(DeadLetterSerializer.HEADER_REASON, headers[original.size()].key(), "the reason headers follow");
        assertEquals("WRONG_DIMENSION", text(dead.headers().lastHeader(DeadLetterSerializer.HEADER_REASON)));
        assertEquals(samples, text(dead.headers().lastHeader(DeadLetterSerializer.HEADER_TOPIC)));
        assertEquals("0", text(dead.headers().lastHeader(DeadLetterSerializer.HEADER_OFFSET)));
    }

    @Test
    void aRecordWithoutHeadersGivesOnlyTheReasonHeadersAndTheTypesStayPojos() {
        List<DecodedRecord> out = new ArrayList<>();
        new KafkaSampleDeserializer(SCHEMA)
                .deserialize(new ConsumerRecord<>("samples", 0, 7L, null, null), new ListCollector<>(out));
        DeadLetter letter = out.get(0).deadLetter;
        assertEquals(0, letter.originalHeaders.length);
        assertEquals(
                6,
                new DeadLetterSerializer("dlq")
                        .serialize(letter, null, null)
                        .headers()
                        .toArray()
                        .length);
        assertTrue(TypeInformation.of(DeadLetter.class) instanceof PojoTypeInfo, "no Kryo fallback for the new field");
        assertTrue(TypeInformation.of(OriginalHeader.class) instanceof PojoTypeInfo);
        DeadLetter noSource = new DeadLetter(null, "t", 0, 0, 0, DeadLetterReason.EMPTY, "x");
        assertNull(noSource.originalHeaders);
        assertEquals(
                6,
                new DeadLetterSerializer("dlq")
                        .serialize(noSource, null, null)
                        .headers()
                        .toArray()
                        .length);
    }

    private static DeadLetter throughFlinksSerializer(DeadLetter letter) throws Exception {
        TypeSerializer<DeadLetter> serializer =
                TypeInformation.of(DeadLetter.class).createSerializer(new SerializerConfigImpl());
        DataOutputSerializer out = new DataOutputSerializer(256);
        serializer.serialize(letter, out);
        return serializer.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
    }

    private static String text(Header h) {
        return new String(h.value(), StandardCharsets.UTF_8);
    }

    private static KafkaProducer<byte[], byte[]> producer(LocalStack stack) {
        return new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers()),
                new ByteArraySerializer(),
                new ByteArraySerializer());
    }

    private static List<ConsumerRecord<byte[], byte[]>> readAll(LocalStack stack, String topic, int expected) {
        Map<String, Object> config = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                stack.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG,
                topic + "-reader-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest");
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (records.size() < expected) {
                assertTrue(
                        System.nanoTime() < deadline,
                        "only " + records.size() + " of " + expected + " records in " + topic);
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        return records;
    }
}
