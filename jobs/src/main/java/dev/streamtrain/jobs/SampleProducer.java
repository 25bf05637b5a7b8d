package dev.streamtrain.jobs;

import dev.streamtrain.sample.synthetic.TeacherStream;
import dev.streamtrain.sample.synthetic.TeacherStream.EncodedSample;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongConsumer;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;

/**
 * The one way the tools ({@code produce}, {@code local}, {@code bench}) put synthetic samples on a
 * topic. Sends are asynchronous, so every send registers a callback; the first failure is thrown
 * by the next send or by {@link #flush()}, so that no tool reports samples Kafka never took.
 */
public final class SampleProducer implements AutoCloseable {
    private static final int CHUNK = 1024;

    private final String topic;
    private final KafkaProducer<byte[], byte[]> producer;
    private final AtomicReference<Exception> failure = new AtomicReference<>();
    private final Callback onAck = (metadata, e) -> {
        if (e != null) {
            failure.compareAndSet(null, e);
        }
    };

    public SampleProducer(String bootstrap, String topic) {
        this(bootstrap, topic, Map.of());
    }

    /** @param clientProperties the user's Kafka client properties (security, tuning) */
    public SampleProducer(String bootstrap, String topic, Map<String, String> clientProperties) {
        this.topic = topic;
        this.producer = KafkaClients.bulkProducer(bootstrap, clientProperties);
    }

    /**
     * Sends the next {@code n} samples of {@code stream} (generated chunk by chunk, never all in
     * memory), each with its event time; returns the bytes sent.
     *
     * @param progress told the samples sent so far after each chunk
     * @throws KafkaException when an earlier send failed
     */
    public long send(TeacherStream stream, long n, LongConsumer progress) {
        long bytes = 0;
        for (long sent = 0; sent < n; ) {
            int chunk = (int) Math.min(CHUNK, n - sent);
            for (EncodedSample s : stream.nextEncoded(chunk)) {
                rethrowFailure();
                producer.send(new ProducerRecord<>(topic, null, s.eventTimeMillis(), null, s.value()), onAck);
                bytes += s.value().length;
            }
            sent += chunk;
            progress.accept(sent);
        }
        return bytes;
    }

    /**
     * Sends {@code samples} samples with {@code invalidRounds} rounds of {@code invalid} records
     * spread evenly through them; returns the number of invalid records sent.
     */
    public int sendWithInvalid(TeacherStream stream, int samples, List<byte[]> invalid, int invalidRounds) {
        int badTotal = invalid.isEmpty() ? 0 : invalidRounds * invalid.size();
        long every = badTotal == 0 ? Long.MAX_VALUE : Math.max(1, samples / (badTotal + 1));
        int badSent = 0;
        for (int i = 0; i < samples; i += CHUNK) {
            send(stream, Math.min(CHUNK, samples - i), sent -> {});
            while (badSent < badTotal && (i + CHUNK) / every > badSent) {
                sendRaw(invalid.get(badSent % invalid.size()));
                badSent++;
            }
        }
        while (badSent < badTotal) {
            sendRaw(invalid.get(badSent % invalid.size()));
            badSent++;
        }
        return badSent;
    }

    /** Sends one record as it is (no key, no timestamp), e.g. an invalid one for the dead-letter path. */
    public void sendRaw(byte[] value) {
        rethrowFailure();
        producer.send(new ProducerRecord<>(topic, value), onAck);
    }

    /**
     * Waits until Kafka has acknowledged or refused everything sent.
     *
     * @throws KafkaException naming the topic when any send failed
     */
    public void flush() {
        producer.flush();
        rethrowFailure();
    }

    private void rethrowFailure() {
        Exception e = failure.get();
        if (e != null) {
            throw new KafkaException("producing samples to '" + topic + "' failed: " + e.getMessage(), e);
        }
    }

    /** Flushes (so that a failure is not lost) and closes the producer. */
    @Override
    public void close() {
        try {
            flush();
        } finally {
            producer.close();
        }
    }
}
