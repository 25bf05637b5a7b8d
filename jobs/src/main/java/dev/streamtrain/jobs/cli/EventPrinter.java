package dev.streamtrain.jobs.cli;

import dev.streamtrain.jobs.KafkaClients;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/**
 * Prints each checkpoint event as one JSON line the moment a read_committed consumer can see it —
 * that is, once the Flink checkpoint covering it has completed.
 */
final class EventPrinter implements AutoCloseable {
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Thread thread;
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final AtomicInteger printed = new AtomicInteger();
    private final Console console;

    EventPrinter(String bootstrap, String topic, Console console) {
        this.consumer = KafkaClients.readCommittedConsumer(bootstrap);
        this.consumer.subscribe(List.of(topic));
        this.console = console;
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
                console.line(new String(r.value(), StandardCharsets.UTF_8));
                n++;
            }
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
