package dev.streamtrain.sample;

import java.util.Arrays;
import java.util.Objects;

/**
 * One training example and where it came from.
 *
 * <p>A Flink POJO (public class, public no-arg constructor, public non-final fields) so Flink
 * serializes it with its fast PojoSerializer rather than falling back to Kryo. Fields stay public
 * because the trainer copies {@link #features} and {@link #label} into its batch on the hot path.
 */
public class Sample {

    /** Exactly {@code featureDim} finite floats. */
    public float[] features;

    /**
     * {@code labelDim} floats for REGRESSION/BINARY; for CLASS a single float holding the class
     * index, so every label kind fits the same trainer batch layout.
     */
    public float[] label;

    /** Event time in epoch milliseconds: from the record itself, else the Kafka record timestamp. */
    public long eventTimeMillis;

    /** Provenance, so checkpoint events can report the offset ranges a model has seen. */
    public String topic;

    public int partition;

    public long offset;

    public Sample() {}

    public Sample(float[] features, float[] label, long eventTimeMillis) {
        this.features = features;
        this.label = label;
        this.eventTimeMillis = eventTimeMillis;
    }

    /** Sets the Kafka provenance fields; returns this for chaining. */
    public Sample withSource(String topic, int partition, long offset) {
        this.topic = topic;
        this.partition = partition;
        this.offset = offset;
        return this;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Sample)) {
            return false;
        }
        Sample s = (Sample) o;
        return eventTimeMillis == s.eventTimeMillis
                && partition == s.partition
                && offset == s.offset
                && Arrays.equals(features, s.features)
                && Arrays.equals(label, s.label)
                && Objects.equals(topic, s.topic);
    }

    @Override
    public int hashCode() {
        int h = Objects.hash(eventTimeMillis, topic, partition, offset);
        h = 31 * h + Arrays.hashCode(features);
        return 31 * h + Arrays.hashCode(label);
    }

    @Override
    public String toString() {
        return "Sample{features=" + Arrays.toString(features) + ", label=" + Arrays.toString(label)
                + ", eventTimeMillis=" + eventTimeMillis + ", source=" + topic + '/' + partition + '@' + offset + '}';
    }
}
