package dev.streamtrain.jobs.cli;

import dev.streamtrain.jobs.config.JobConfig;
import dev.streamtrain.jobs.config.TrainingJobOptions;
import dev.streamtrain.sample.DeadLetterReason;
import dev.streamtrain.sample.synthetic.TeacherStream;
import dev.streamtrain.sample.synthetic.TeacherStream.EncodedSample;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Produces a synthetic stream, with rounds of invalid records spread through it. */
final class SampleProducer {
    private SampleProducer() {}

    /** Returns the number of invalid records produced. */
    static int produce(String bootstrap, JobConfig config, TeacherStream teacher, int samples,
                       Map<DeadLetterReason, byte[]> invalid, int invalidRounds) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 512 * 1024);
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 4 << 20);
        String topic = config.get(TrainingJobOptions.SAMPLES_TOPIC);
        List<byte[]> bad = new ArrayList<>(invalid.values());
        int badTotal = invalidRounds * bad.size();
        long every = badTotal == 0 ? Long.MAX_VALUE : Math.max(1, samples / (badTotal + 1));
        int badSent = 0;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            for (int i = 0; i < samples; i += 1024) {
                for (EncodedSample s : teacher.nextEncoded(Math.min(1024, samples - i))) {
                    producer.send(new ProducerRecord<>(topic, null, s.eventTimeMillis(), null, s.value()));
                }
                while (badSent < badTotal && (i + 1024) / every > badSent) {
                    producer.send(new ProducerRecord<>(topic, bad.get(badSent % bad.size())));
                    badSent++;
                }
            }
            while (badSent < badTotal) {
                producer.send(new ProducerRecord<>(topic, bad.get(badSent % bad.size())));
                badSent++;
            }
            producer.flush();
        }
        return badSent;
    }
}
