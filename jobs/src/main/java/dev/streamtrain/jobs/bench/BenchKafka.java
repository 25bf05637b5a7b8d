package dev.streamtrain.jobs.bench;

import dev.streamtrain.jobs.SampleProducer;
import dev.streamtrain.sample.synthetic.TeacherStream;
import java.util.function.Consumer;

/** Topics and sample production for the benchmark; producing happens before anything is timed. */
public final class BenchKafka {
    private BenchKafka() {}

    /** Produces {@code n} samples of {@code stream} (generated on the fly, never all in memory); returns the bytes. */
    public static long produce(
            String bootstrap, String topic, TeacherStream stream, long n, Consumer<String> progress) {
        long step = Math.max(1, n / 4);
        long[] reported = {0};
        try (SampleProducer producer = new SampleProducer(bootstrap, topic)) {
            return producer.send(stream, n, sent -> {
                if (sent / step > reported[0] && sent < n) {
                    reported[0] = sent / step;
                    progress.accept(String.format("produced %,d of %,d samples", sent, n));
                }
            });
        }
    }
}
