package dev.streamtrain.sample.synthetic;

import dev.streamtrain.sample.LabelKind;
import dev.streamtrain.sample.Sample;
import dev.streamtrain.sample.SampleEncoder;
import dev.streamtrain.sample.SampleFormat;
import dev.streamtrain.sample.SampleSchema;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A synthetic stream that a model can actually learn, for demos and tests.
 *
 * <p>A fixed random "teacher" network, {@code y = W2·tanh(W1·x + b1) + b2} (or linear
 * {@code y = W·x + b} with {@code hiddenDim(0)}), labels features drawn from N(0, 1):
 * <ul>
 *   <li>REGRESSION: label = teacher(x) + N(0, noiseStd²) per output;</li>
 *   <li>BINARY: label = 1 when teacher(x) + noise &gt; 0, else 0 (noise flips labels near the boundary);</li>
 *   <li>CLASS: label = argmax of teacher(x) + noise over {@code numClasses} outputs.</li>
 * </ul>
 * A student with enough capacity can drive the loss down to the noise floor, which makes
 * "training works" checkable. Everything is determined by the seeds: the teacher by
 * {@code seed}, the inputs by {@code dataSeed} (default: derived from {@code seed}), so several
 * producers can share one teacher with different data. {@link java.util.Random} is used because
 * its sequence is specified by the JDK and so identical on every JVM.
 *
 * <p>Not thread-safe: one stream per producer thread.
 */
public final class TeacherStream {

    /** A record value with the event time a producer should put in the Kafka record timestamp. */
    public record EncodedSample(byte[] value, long eventTimeMillis) {}

    private final SampleSchema schema;
    private final int hiddenDim;
    private final float noiseStd;
    private final long startMillis;
    private final long stepMillis;
    private final SampleEncoder encoder;

    // teacher parameters, row-major
    private final float[] w1;
    private final float[] b1;
    private final float[] w2;
    private final float[] b2;

    private final Random data;
    private final float[] hidden;
    private long produced;

    private TeacherStream(Builder b, SampleSchema schema) {
        this.schema = schema;
        this.hiddenDim = b.hiddenDim;
        this.noiseStd = b.noiseStd;
        this.startMillis = b.startMillis;
        this.stepMillis = b.stepMillis;
        this.encoder = new SampleEncoder(schema);
        int in = schema.featureDim();
        int out = outputs(schema);
        Random teacher = new Random(b.seed);
        if (hiddenDim == 0) {
            w1 = null;
            b1 = null;
            w2 = gaussians(teacher, out * in, 1.0 / Math.sqrt(in));
        } else {
            // 1/sqrt(fan-in) keeps tanh out of saturation and the outputs around unit scale
            w1 = gaussians(teacher, hiddenDim * in, 1.0 / Math.sqrt(in));
            b1 = gaussians(teacher, hiddenDim, 0.1);
            w2 = gaussians(teacher, out * hiddenDim, 1.0 / Math.sqrt(hiddenDim));
        }
        b2 = gaussians(teacher, out, 0.1);
        this.data = new Random(b.dataSeed != null ? b.dataSeed : b.seed * 0x9E3779B97F4A7C15L + 1);
        this.hidden = new float[Math.max(hiddenDim, in)];
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The schema the produced records follow; give the same one to the job's deserializer. */
    public SampleSchema schema() {
        return schema;
    }

    /** How many samples this stream has produced so far. */
    public long produced() {
        return produced;
    }

    /** The next sample; event time advances by {@code stepMillis} per sample. */
    public Sample next() {
        float[] x = new float[schema.featureDim()];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) data.nextGaussian();
        }
        float[] y = teacher(x);
        if (noiseStd > 0) {
            for (int i = 0; i < y.length; i++) {
                y[i] += (float) (noiseStd * data.nextGaussian());
            }
        }
        float[] label;
        switch (schema.labelKind()) {
            case BINARY:
                label = new float[y.length];
                for (int i = 0; i < y.length; i++) {
                    label[i] = y[i] > 0 ? 1f : 0f;
                }
                break;
            case CLASS:
                int best = 0;
                for (int i = 1; i < y.length; i++) {
                    if (y[i] > y[best]) {
                        best = i;
                    }
                }
                label = new float[] {best};
                break;
            default:
                label = y;
        }
        return new Sample(x, label, startMillis + produced++ * stepMillis);
    }

    /** The next {@code n} samples, encoded in the schema's format. */
    public List<EncodedSample> nextEncoded(int n) {
        List<EncodedSample> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Sample s = next();
            out.add(new EncodedSample(encoder.encode(s), s.eventTimeMillis));
        }
        return out;
    }

    /**
     * The noiseless teacher output for {@code x}: the regression target, or the logits whose
     * sign (BINARY) or argmax (CLASS) gives the label. Lets a test measure how close a student got.
     */
    public float[] teacher(float[] x) {
        int in = schema.featureDim();
        float[] y = new float[b2.length];
        float[] h;
        int width;
        if (hiddenDim == 0) {
            h = x;
            width = in;
        } else {
            h = hidden;
            width = hiddenDim;
            for (int j = 0; j < hiddenDim; j++) {
                double s = b1[j];
                for (int i = 0; i < in; i++) {
                    s += w1[j * in + i] * x[i];
                }
                h[j] = (float) Math.tanh(s);
            }
        }
        for (int k = 0; k < y.length; k++) {
            double s = b2[k];
            for (int j = 0; j < width; j++) {
                s += w2[k * width + j] * h[j];
            }
            y[k] = (float) s;
        }
        return y;
    }

    private static int outputs(SampleSchema schema) {
        return schema.labelKind() == LabelKind.CLASS ? schema.numClasses() : schema.labelDim();
    }

    private static float[] gaussians(Random r, int n, double std) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (std * r.nextGaussian());
        }
        return a;
    }

    /** Settings for a stream; the defaults give a 16-feature, one-target regression demo. */
    public static final class Builder {
        private SampleFormat format = SampleFormat.BINARY;
        private int featureDim = 16;
        private LabelKind labelKind = LabelKind.REGRESSION;
        private int labelDim = 1;
        private int numClasses = 0;
        private int hiddenDim = 16;
        private float noiseStd = 0.1f;
        private long seed = 42L;
        private Long dataSeed;
        private long startMillis = 1_700_000_000_000L;
        private long stepMillis = 1L;
        private int maxRecordBytes = SampleSchema.DEFAULT_MAX_RECORD_BYTES;

        private Builder() {}

        public Builder format(SampleFormat format) {
            this.format = format;
            return this;
        }

        public Builder featureDim(int featureDim) {
            this.featureDim = featureDim;
            return this;
        }

        /** REGRESSION with {@code labelDim} targets. */
        public Builder regression(int labelDim) {
            this.labelKind = LabelKind.REGRESSION;
            this.labelDim = labelDim;
            return this;
        }

        /** BINARY with {@code labelDim} independent 0/1 targets. */
        public Builder binary(int labelDim) {
            this.labelKind = LabelKind.BINARY;
            this.labelDim = labelDim;
            return this;
        }

        /** CLASS with {@code numClasses} classes. */
        public Builder classes(int numClasses) {
            this.labelKind = LabelKind.CLASS;
            this.numClasses = numClasses;
            return this;
        }

        /** Width of the teacher's hidden layer; 0 makes the teacher linear. */
        public Builder hiddenDim(int hiddenDim) {
            this.hiddenDim = hiddenDim;
            return this;
        }

        /** Standard deviation of the Gaussian noise added to the teacher output; 0 for none. */
        public Builder noiseStd(double noiseStd) {
            this.noiseStd = (float) noiseStd;
            return this;
        }

        /** Seeds the teacher (and, unless {@link #dataSeed} is set, the inputs). */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Seeds the inputs and noise separately: same teacher, different data. */
        public Builder dataSeed(long dataSeed) {
            this.dataSeed = dataSeed;
            return this;
        }

        /** Event time of the first sample, and the step between consecutive samples. */
        public Builder eventTime(long startMillis, long stepMillis) {
            this.startMillis = startMillis;
            this.stepMillis = stepMillis;
            return this;
        }

        public Builder maxRecordBytes(int maxRecordBytes) {
            this.maxRecordBytes = maxRecordBytes;
            return this;
        }

        /** @throws IllegalArgumentException naming the setting to fix */
        public TeacherStream build() {
            if (hiddenDim < 0) {
                throw new IllegalArgumentException(
                        "teacher stream: hiddenDim must be 0 (linear) or more, got " + hiddenDim);
            }
            if (!(noiseStd >= 0)) {
                throw new IllegalArgumentException("teacher stream: noiseStd must be 0 or more, got " + noiseStd);
            }
            if (stepMillis < 0) {
                throw new IllegalArgumentException(
                        "teacher stream: the event-time step must not be negative, got " + stepMillis);
            }
            SampleSchema.Builder s = SampleSchema.builder()
                    .format(format)
                    .featureDim(featureDim)
                    .labelKind(labelKind)
                    .maxRecordBytes(maxRecordBytes);
            if (labelKind == LabelKind.CLASS) {
                s.numClasses(numClasses);
            } else {
                s.labelDim(labelDim);
            }
            return new TeacherStream(this, s.build());
        }
    }
}
