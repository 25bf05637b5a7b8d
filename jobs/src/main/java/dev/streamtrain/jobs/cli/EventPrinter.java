package dev.streamtrain.jobs.cli;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Prints each checkpoint event as one JSON line the moment a read_committed consumer can see it —
 * that is, once the Flink checkpoint covering it has completed.
 */
final class EventPrinter implements AutoCloseable {
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Thread thread;
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final AtomicInteger printed = new AtomicInteger();
    private final PrintStream out;

    EventPrinter(String bootstrap, String topic, PrintStream out) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "streamtrain-cli-" + UUID.randomUUID());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        this.consumer = new KafkaConsumer<>(p);
        this.consumer.subscribe(List.of(topic));
        this.out = out;
        this.thread = new Thread(this::run, "event-printer");
        this.thread.setDaemon(true);
    }

    EventPrinter start() {
        thread.start();
        return this;
    }

    private void run() {
        int emptyPollsAfterStop = 0;
        while (emptyPollsAfterStop < 3) {
            int n = 0;
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(300))) {
                out.println(new String(r.value(), StandardCharsets.UTF_8));
                n++;
            }
            out.flush();
            printed.addAndGet(n);
            if (stopping.get()) {
                emptyPollsAfterStop = n == 0 ? emptyPollsAfterStop + 1 : 0;
            }
        }
    }

    int printed() {
        return printed.get();
    }

    /** Drains what is still visible, then stops. */
    @Override
    public void close() throws InterruptedException {
        stopping.set(true);
        thread.join(30_000);
        consumer.close();
    }
}
