package dev.streamtrain.jobs;

import dev.streamtrain.events.CheckpointEvent;
import dev.streamtrain.jobs.config.KafkaClientProperties;
import dev.streamtrain.rollback.RunEvents;
import dev.streamtrain.store.RunKey;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The checkpoint-event topic as tools see it: one run's committed events, and publishing one event. */
public final class EventTopic implements RunEvents {
    private static final Logger LOG = LoggerFactory.getLogger(EventTopic.class);
    private final String bootstrap;
    private final String topic;
    private final Map<String, String> clientProperties;

    public EventTopic(String bootstrap, String topic) {
        this(bootstrap, topic, Map.of());
    }

    /** @param clientProperties the user's Kafka client properties (security, tuning), under the tool's own */
    public EventTopic(String bootstrap, String topic, Map<String, String> clientProperties) {
        this.bootstrap = bootstrap;
        this.topic = topic;
        this.clientProperties = Map.copyOf(clientProperties);
    }

    /**
     * Every event of {@code run} a read_committed consumer sees now,
     * in topic order: read from the beginning to the last stable offsets taken at the start.
     *
     * Records that are not JSON events are skipped with a warning.
     *
     * @throws IOException when the topic does not exist or is not read to its end in time
     */
    @Override
    public List<CheckpointEvent> read(RunKey run, Duration timeout) throws IOException {
        String key = run.toString();
        try (KafkaConsumer<byte[], byte[]> consumer = KafkaClients.readCommittedConsumer(bootstrap, clientProperties)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, timeout).stream()
                    .map(i -> new TopicPartition(i.topic(), i.partition()))
                    .toList();
            if (partitions.isEmpty()) {
                throw new IOException("topic '" + topic + "' does not exist on " + bootstrap);
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
            List<CheckpointEvent> events = new ArrayList<>();
            long deadline = System.nanoTime() + timeout.toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new IOException("reading '" + topic + "' did not reach its end within " + timeout);
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    if (r.key() != null && key.equals(new String(r.key(), StandardCharsets.UTF_8))) {
                        event(r).ifPresent(events::add);
                    }
                }
            }
            return events;
        }
    }

    /**
     * The record as an event, or empty — with a warning — when it is not one: the job writes only
     * JSON events, so such a record came from another producer and describes no epoch of the run.
     */
    private static Optional<CheckpointEvent> event(ConsumerRecord<byte[], byte[]> r) {
        try {
            return Optional.of(CheckpointEvent.fromJson(r.value()));
        } catch (IOException | IllegalArgumentException e) { // not JSON; a null value (tombstone)
            LOG.warn(
                    "skipped a record of key {} that is not a JSON event at {}-{} offset {}",
                    new String(r.key(), StandardCharsets.UTF_8),
                    r.topic(),
                    r.partition(),
                    r.offset());
            return Optional.empty();
        }
    }

    /** What {@link #follow} hands over after every poll. */
    @FunctionalInterface
    public interface Listener {
        /**
         * @param events   the run's events of this poll, in topic order (often none)
         * @param caughtUp whether everything committed before following started has been handed over
         */
        void onPoll(List<CheckpointEvent> events, boolean caughtUp) throws IOException;
    }

    /**
     * Follows {@code key}'s events from the beginning, read_committed, until {@code running} says
     * stop: one long-lived consumer (a new read per change would cost a consumer start each time),
     * handing each poll's events to {@code listener}. A poll returns as soon as a transaction
     * commits, so the delay after an event becomes visible is the broker round trip.
     *
     * @throws IOException when the topic does not exist or the listener fails (records that are not
     *     JSON events are skipped with a warning)
     */
    public void follow(RunKey run, Duration pollTimeout, BooleanSupplier running, Listener listener)
            throws IOException {
        String key = run.toString();
        try (KafkaConsumer<byte[], byte[]> consumer = KafkaClients.readCommittedConsumer(bootstrap, clientProperties)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(i -> new TopicPartition(i.topic(), i.partition()))
                    .toList();
            if (partitions.isEmpty()) {
                throw new IOException("topic '" + topic + "' does not exist on " + bootstrap);
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            boolean caughtUp = false;
            while (running.getAsBoolean()) {
                List<CheckpointEvent> events = new ArrayList<>();
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(pollTimeout)) {
                    if (r.key() != null && key.equals(new String(r.key(), StandardCharsets.UTF_8))) {
                        event(r).ifPresent(events::add);
                    }
                }
                caughtUp = caughtUp || partitions.stream().allMatch(tp -> consumer.position(tp) >= end.get(tp));
                listener.onPoll(events, caughtUp);
            }
        }
    }

    /** Publishes one event, durably (all in-sync replicas) and once (idempotent producer). */
    @Override
    public void publish(CheckpointEvent event, Duration timeout) throws IOException {
        Properties p = KafkaClientProperties.asProperties(clientProperties);
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            producer.send(new ProducerRecord<>(topic, event.key().getBytes(StandardCharsets.UTF_8), event.toJson()))
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException(
                    "could not publish the " + event.type() + " event to '" + topic + "' on " + bootstrap + ": "
                            + KafkaClientProperties.redact(
                                    e.getMessage(), KafkaClientProperties.secretValues(clientProperties)),
                    e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while publishing", e);
        }
    }
}
