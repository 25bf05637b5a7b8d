package dev.streamtrain.sample;

/**
 * The outcome of decoding one Kafka record: exactly one of {@link #sample} and {@link #deadLetter}
 * is set. Decoding returns this instead of throwing so that one bad record cannot fail (and
 * restart-loop) the job; {@link SampleValidator} then routes the two cases apart.
 *
 * <p>A Flink POJO; the PojoSerializer writes the unset field as a null marker.
 */
public class DecodedRecord {

    public Sample sample;

    public DeadLetter deadLetter;

    public DecodedRecord() {}

    public static DecodedRecord of(Sample sample) {
        DecodedRecord r = new DecodedRecord();
        r.sample = sample;
        return r;
    }

    public static DecodedRecord of(DeadLetter deadLetter) {
        DecodedRecord r = new DecodedRecord();
        r.deadLetter = deadLetter;
        return r;
    }

    /** True when this holds a valid {@link Sample}. */
    public boolean valid() {
        return sample != null;
    }

    @Override
    public String toString() {
        return valid() ? sample.toString() : String.valueOf(deadLetter);
    }
}
