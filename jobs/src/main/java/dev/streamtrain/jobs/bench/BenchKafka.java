package dev.streamtrain.jobs.bench;

import dev.streamtrain.jobs.KafkaClients;
import dev.streamtrain.sample.Sample;
import dev.streamtrain.sample.SampleEncoder;
import dev.streamtrain.sample.synthetic.TeacherStream;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Topics and sample production for the benchmark; producing happens before anything is timed. */
public final class BenchKafka {
    private BenchKafka() {}

    /** Produces {@code n} samples of {@code stream} (generated on the fly, never all in memory); returns the bytes. */
    public static long produce(String bootstrap, String topic, TeacherStream stream, long n, Consumer<String> progress) {
        SampleEncoder encoder = new SampleEncoder(stream.schema());
        long bytes = 0;
        long step = Math.max(1, n / 4);
        AtomicReference<Exception> failure = new AtomicReference<>();
        try (KafkaProducer<byte[], byte[]> producer = KafkaClients.bulkProducer(bootstrap)) {
            for (long i = 0; i < n; i++) {
                Sample s = stream.next();
                byte[] value = encoder.encode(s);
                bytes += value.length;
                producer.send(new ProducerRecord<>(topic, null, s.eventTimeMillis, null, value), (meta, e) -> {
                    if (e != null) {
                        failure.compareAndSet(null, e);
                    }
                });
                if ((i + 1) % step == 0 && i + 1 < n) {
                    progress.accept(String.format("produced %,d of %,d samples", i + 1, n));
                }
            }
            producer.flush();
        }
        if (failure.get() != null) {
            throw new IllegalStateException("producing samples to " + topic + " failed", failure.get());
        }
        return bytes;
    }
}
