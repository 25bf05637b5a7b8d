package dev.streamtrain.jobs;

import dev.streamtrain.jobs.config.KafkaClientProperties;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** The plain Kafka clients of the command-line tools (local mode, bench, events). */
public final class KafkaClients {
    private KafkaClients() {}

    /**
     * Creates topics of one partition (the trainer's input order is the partition's) whose records
     * are never deleted by age: synthetic samples carry old event times as record timestamps.
     */
    public static void createTopics(String bootstrap, String... topics) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            List<NewTopic> list = new ArrayList<>();
            for (String t : topics) {
                list.add(new NewTopic(t, 1, (short) 1).configs(Map.of("retention.ms", "-1")));
            }
            admin.createTopics(list).all().get();
        }
    }

    /** An admin client that gives up after {@code timeoutMs}, with the user's client properties. */
    public static Admin admin(String bootstrap, Map<String, String> clientProperties, int timeoutMs) {
        Map<String, Object> c = new HashMap<>(clientProperties);
        c.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        c.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, Math.min(timeoutMs, 5000));
        c.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeoutMs);
        return Admin.create(c);
    }

    /** A bulk producer of raw bytes (large batches, a little linger). */
    public static KafkaProducer<byte[], byte[]> bulkProducer(String bootstrap) {
        return bulkProducer(bootstrap, Map.of());
    }

    /** As {@link #bulkProducer(String)}, with the user's client properties (security, tuning) under the tool's own. */
    public static KafkaProducer<byte[], byte[]> bulkProducer(String bootstrap, Map<String, String> clientProperties) {
        Properties p = KafkaClientProperties.asProperties(clientProperties);
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 512 * 1024);
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 4 << 20);
        return new KafkaProducer<>(p);
    }

    /**
     * A read_committed consumer in a fresh group that commits nothing: it sees a checkpoint event
     * only once the Flink checkpoint that covers it has completed.
     */
    public static KafkaConsumer<byte[], byte[]> readCommittedConsumer(String bootstrap) {
        return readCommittedConsumer(bootstrap, Map.of());
    }

    /** As {@link #readCommittedConsumer(String)}, with the user's client properties under the tool's own. */
    public static KafkaConsumer<byte[], byte[]> readCommittedConsumer(
            String bootstrap, Map<String, String> clientProperties) {
        Properties p = KafkaClientProperties.asProperties(clientProperties);
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "streamtrain-cli-" + UUID.randomUUID());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        // a reader never creates a topic: brokers with auto.create.topics.enable would otherwise
        // turn a mistyped --topic into a new empty topic instead of an error
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        return new KafkaConsumer<>(p);
    }
}
