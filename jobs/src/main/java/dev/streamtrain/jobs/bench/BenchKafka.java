package dev.streamtrain.jobs.bench;

import dev.streamtrain.sample.Sample;
import dev.streamtrain.sample.SampleEncoder;
import dev.streamtrain.sample.synthetic.TeacherStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Topics and sample production for the benchmark; producing happens before anything is timed. */
public final class BenchKafka {
    private BenchKafka() {}

    /**
     * One partition each, kept forever: the samples carry synthetic event times from 2023 as record
     * timestamps, and the broker's default 7-day time retention would delete them at its first
     * retention check (30 s after it starts) — mid-run.
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

    /** Produces {@code n} samples of {@code stream} (generated on the fly, never all in memory); returns the bytes. */
    public static long produce(String bootstrap, String topic, TeacherStream stream, long n, Consumer<String> progress) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 512 * 1024);
        SampleEncoder encoder = new SampleEncoder(stream.schema());
        long bytes = 0;
        long step = Math.max(1, n / 4);
        AtomicReference<Exception> failure = new AtomicReference<>();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
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
