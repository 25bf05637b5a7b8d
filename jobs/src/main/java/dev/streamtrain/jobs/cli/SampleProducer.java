package dev.streamtrain.jobs.cli;

import dev.streamtrain.jobs.KafkaClients;
import dev.streamtrain.jobs.config.JobConfig;
import dev.streamtrain.jobs.config.TrainingJobOptions;
import dev.streamtrain.sample.DeadLetterReason;
import dev.streamtrain.sample.synthetic.TeacherStream;
import dev.streamtrain.sample.synthetic.TeacherStream.EncodedSample;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Produces a synthetic stream, with rounds of invalid records spread through it. */
final class SampleProducer {
    private SampleProducer() {}

    /** Returns the number of invalid records produced. */
    static int produce(String bootstrap, JobConfig config, TeacherStream teacher, int samples,
                       Map<DeadLetterReason, byte[]> invalid, int invalidRounds) {
        String topic = config.get(TrainingJobOptions.SAMPLES_TOPIC);
        List<byte[]> bad = new ArrayList<>(invalid.values());
        int badTotal = invalidRounds * bad.size();
        long every = badTotal == 0 ? Long.MAX_VALUE : Math.max(1, samples / (badTotal + 1));
        int badSent = 0;
        try (KafkaProducer<byte[], byte[]> producer = KafkaClients.bulkProducer(bootstrap)) {
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
