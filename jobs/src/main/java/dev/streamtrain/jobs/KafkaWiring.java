package dev.streamtrain.jobs;

import dev.streamtrain.events.EventRecord;
import dev.streamtrain.events.EventRecordSerializer;
import dev.streamtrain.jobs.config.JobConfig;
import dev.streamtrain.jobs.config.KafkaClientProperties;
import dev.streamtrain.jobs.config.TrainingJobOptions;
import dev.streamtrain.rollback.OffsetHorizon;
import dev.streamtrain.sample.DeadLetter;
import dev.streamtrain.sample.DeadLetterSerializer;
import dev.streamtrain.sample.DecodedRow;
import dev.streamtrain.sample.KafkaRowDeserializer;
import dev.streamtrain.store.RunKey;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.common.TopicPartition;

/** The production Kafka source and sinks of the training job. */
public final class KafkaWiring {
    private KafkaWiring() {}

    public static KafkaSource<DecodedRow> samplesSource(JobConfig config) {
        return samplesSource(config, null);
    }

    /**
     * @param startAt where a start without Flink state begins, per {@code "topic-partition"} (an epoch
     *     artifact's next offsets); partitions it lacks start as {@code kafka.starting-offsets} says.
     *     Null: as {@code kafka.starting-offsets} says. A restore from a checkpoint ignores both.
     */
    public static KafkaSource<DecodedRow> samplesSource(JobConfig config, Map<String, Long> startAt) {
        KafkaSourceBuilder<DecodedRow> b = KafkaSource.<DecodedRow>builder()
                // the user's client properties (security, tuning) first: the job's own settings below win
                .setProperties(clientProperties(config))
                .setBootstrapServers(config.get(TrainingJobOptions.KAFKA_BOOTSTRAP_SERVERS))
                .setTopics(config.get(TrainingJobOptions.SAMPLES_TOPIC))
                .setGroupId(config.get(TrainingJobOptions.GROUP_ID))
                .setDeserializer(new KafkaRowDeserializer(config.sampleSchema()))
                // offsets live in Flink's checkpoints; committing them to Kafka only shows progress
                .setProperty("commit.offsets.on.checkpoint", "true")
                .setProperty("isolation.level", "read_committed");
        TrainingJobOptions.StartingOffsets starting = config.get(TrainingJobOptions.STARTING_OFFSETS);
        if (startAt != null) {
            Map<TopicPartition, Long> offsets = new HashMap<>();
            startAt.forEach((key, offset) -> {
                OffsetHorizon.Partition p = OffsetHorizon.Partition.parse(key);
                offsets.put(new TopicPartition(p.topic(), p.partition()), offset);
            });
            b.setStartingOffsets(OffsetsInitializer.offsets(
                    offsets,
                    starting == TrainingJobOptions.StartingOffsets.LATEST
                            ? OffsetResetStrategy.LATEST
                            : OffsetResetStrategy.EARLIEST));
        } else {
            b.setStartingOffsets(
                    switch (starting) {
                        case EARLIEST -> OffsetsInitializer.earliest();
                        case LATEST -> OffsetsInitializer.latest();
                        case COMMITTED -> OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST);
                    });
        }
        if (config.get(TrainingJobOptions.BOUNDED)) {
            b.setBounded(OffsetsInitializer.latest());
        }
        return b.build();
    }

    /** Dead letters exactly once too: a replay after a failure must not duplicate them. */
    public static KafkaSink<DeadLetter> deadLetterSink(JobConfig config) {
        return KafkaSink.<DeadLetter>builder()
                .setKafkaProducerConfig(clientProperties(config))
                .setBootstrapServers(config.get(TrainingJobOptions.KAFKA_BOOTSTRAP_SERVERS))
                .setRecordSerializer(new DeadLetterSerializer(config.get(TrainingJobOptions.DLQ_TOPIC)))
                .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                .setTransactionalIdPrefix(transactionalPrefix(config, "dlq"))
                .setProperty("compression.type", "lz4")
                .setProperty(
                        "transaction.timeout.ms",
                        String.valueOf(config.get(TrainingJobOptions.TRANSACTION_TIMEOUT)
                                .toMillis()))
                .build();
    }

    /** Checkpoint events, exactly once: visible to read_committed consumers when the covering checkpoint completes. */
    public static KafkaSink<EventRecord> eventSink(JobConfig config) {
        return KafkaSink.<EventRecord>builder()
                .setKafkaProducerConfig(clientProperties(config))
                .setBootstrapServers(config.get(TrainingJobOptions.KAFKA_BOOTSTRAP_SERVERS))
                .setRecordSerializer(new EventRecordSerializer(config.get(TrainingJobOptions.EVENTS_TOPIC)))
                .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                .setTransactionalIdPrefix(transactionalPrefix(config, "events"))
                .setProperty(
                        "transaction.timeout.ms",
                        String.valueOf(config.get(TrainingJobOptions.TRANSACTION_TIMEOUT)
                                .toMillis()))
                .build();
    }

    /**
     * {@code kafka.properties.*}: security and tuning for every client. The keys the job sets itself
     * were refused when the configuration was validated, so nothing here overrides them.
     */
    static Properties clientProperties(JobConfig config) {
        return KafkaClientProperties.asProperties(config.kafkaClientProperties());
    }

    /** Unique per experiment/run/model, so that two runs never fence each other's transactions. */
    static String transactionalPrefix(JobConfig config, String role) {
        RunKey key = config.runKey();
        return "streamtrain-" + key.experiment() + "-" + key.run() + "-" + key.model() + "-" + role;
    }
}
