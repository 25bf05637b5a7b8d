package dev.streamtrain.jobs;

import dev.streamtrain.events.CheckpointEvent;
import dev.streamtrain.sample.SampleBlock;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Fails the job once at the worst moment for exactly-once events: inside a checkpoint whose Kafka
 * transaction already holds an event. Placed before the trainer (same task), its snapshot runs
 * after the barrier passed the trainer, which emitted the checkpoint's events, and after the event
 * sink flushed them to the broker, but before this task acknowledges the checkpoint — so the
 * checkpoint cannot complete while it waits. It waits (bounded) until a read_uncommitted consumer
 * sees an event that commits with this checkpoint, then throws: that event's transaction is
 * aborted and the window is replayed. The checkpoint id of that event is kept (keyed by test id,
 * static: it must survive the restart) so that the test can find the aborted record.
 *
 * <p>Until it has thrown, also paces the stream (a pause every {@code paceEvery} samples) so that
 * the input spans several checkpoints; the recovery after the failure runs unpaced.
 */
final class FailWhileAnEventIsUncommitted
        implements MapFunction<SampleBlock, SampleBlock>, CheckpointedFunction, CheckpointListener {
    private static final long serialVersionUID = 1L;
    /** The checkpoint id of the event whose transaction the failure aborted; -1 until then. */
    static final Map<String, AtomicLong> ABORTED_CHECKPOINT = new ConcurrentHashMap<>();
    /** How long one checkpoint waits for its event to show: not every checkpoint carries one. */
    private static final Duration LOOK_FOR = Duration.ofSeconds(2);

    private final String id;
    private final String bootstrapServers;
    private final String eventsTopic;
    private final long afterCheckpoint;
    private final int paceEvery;
    private transient volatile boolean armed;
    private transient long seen;

    FailWhileAnEventIsUncommitted(
            String id, String bootstrapServers, String eventsTopic, long afterCheckpoint, int paceEvery) {
        this.id = id;
        this.bootstrapServers = bootstrapServers;
        this.eventsTopic = eventsTopic;
        this.afterCheckpoint = afterCheckpoint;
        this.paceEvery = paceEvery;
        ABORTED_CHECKPOINT.putIfAbsent(id, new AtomicLong(-1));
    }

    static long abortedCheckpoint(String id) {
        return ABORTED_CHECKPOINT.get(id).get();
    }

    @Override
    public SampleBlock map(SampleBlock s) throws Exception {
        long before = seen;
        seen += s.rows();
        if (abortedCheckpoint(id) >= 0) {
            return s;
        }
        for (long k = before / paceEvery; k < seen / paceEvery; k++) {
            Thread.sleep(2); // pacing (a pause per paceEvery samples), not waiting for anything
        }
        return s;
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) {
        armed |= checkpointId >= afterCheckpoint;
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) throws Exception {
        long checkpointId = context.getCheckpointId();
        if (armed
                && abortedCheckpoint(id) < 0
                && uncommittedEventOf(checkpointId)
                && ABORTED_CHECKPOINT.get(id).compareAndSet(-1, checkpointId)) {
            throw new IllegalStateException(
                    "injected failure in checkpoint " + checkpointId + " while its event is uncommitted");
        }
    }

    @Override
    public void initializeState(FunctionInitializationContext context) {
        // nothing to restore: the "already failed" mark is static
    }

    /** Whether a read_uncommitted consumer sees an event that commits with {@code checkpointId}, within LOOK_FOR. */
    private boolean uncommittedEventOf(long checkpointId) throws IOException {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        TopicPartition partition = new TopicPartition(eventsTopic, 0);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p)) {
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long deadline = System.nanoTime() + LOOK_FOR.toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    Long cp = CheckpointEvent.fromJson(r.value()).checkpointId();
                    if (cp != null && cp == checkpointId) {
                        return true;
                    }
                }
            }
        }
        return false;
    }
}
