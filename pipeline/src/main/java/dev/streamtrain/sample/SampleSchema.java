package dev.streamtrain.sample;

import java.io.Serializable;
import java.util.Objects;

/**
 * What the samples on one topic look like: the wire format, the feature width and the label.
 *
 * <p>Immutable and {@link Serializable} because Flink ships it inside the deserializer to every
 * task. Build it with {@link #builder()}; {@link Builder#build()} rejects inconsistent settings
 * with a message that names the setting to fix, so a bad job configuration fails at start-up
 * instead of dead-lettering every record.
 */
public final class SampleSchema implements Serializable {

    private static final long serialVersionUID = 1L;

    /** 1 MiB: Kafka's default maximum message size, so anything larger was already unusual. */
    public static final int DEFAULT_MAX_RECORD_BYTES = 1 << 20;

    /**
     * Class indices travel as float32; every integer up to 2^24 is exact in a float, above that
     * neighbouring classes would collapse into one.
     */
    public static final int MAX_CLASSES = 1 << 24;

    private final SampleFormat format;
    private final int featureDim;
    private final LabelKind labelKind;
    private final int labelDim;
    private final int numClasses;
    private final int maxRecordBytes;

    private SampleSchema(Builder b) {
        this.format = b.format;
        this.featureDim = b.featureDim;
        this.labelKind = b.labelKind;
        this.labelDim = b.labelDim == null ? 1 : b.labelDim;
        this.numClasses = b.numClasses == null ? 0 : b.numClasses;
        this.maxRecordBytes = b.maxRecordBytes;
    }

    public static Builder builder() {
        return new Builder();
    }

    public SampleFormat format() {
        return format;
    }

    public int featureDim() {
        return featureDim;
    }

    public LabelKind labelKind() {
        return labelKind;
    }

    /** Number of label floats for REGRESSION/BINARY; always 1 for CLASS. */
    public int labelDim() {
        return labelDim;
    }

    /** Number of classes for CLASS labels; 0 for the other kinds. */
    public int numClasses() {
        return numClasses;
    }

    public int maxRecordBytes() {
        return maxRecordBytes;
    }

    /** Length of {@link Sample#label}: the trainer sizes its label buffer with this. */
    public int labelWidth() {
        return labelDim;
    }

    /** The exact length of a valid BINARY record: features, then labels (or one int32 class). */
    public int binaryRecordBytes() {
        return Float.BYTES * featureDim + Float.BYTES * labelDim;
    }

    /** A builder holding this schema's settings, to derive a variant (e.g. another format). */
    public Builder toBuilder() {
        Builder b = new Builder()
                .format(format)
                .featureDim(featureDim)
                .labelKind(labelKind)
                .maxRecordBytes(maxRecordBytes);
        if (labelKind == LabelKind.CLASS) {
            b.numClasses(numClasses);
        } else {
            b.labelDim(labelDim);
        }
        return b;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof SampleSchema)) {
            return false;
        }
        SampleSchema s = (SampleSchema) o;
        return format == s.format
                && featureDim == s.featureDim
                && labelKind == s.labelKind
                && labelDim == s.labelDim
                && numClasses == s.numClasses
                && maxRecordBytes == s.maxRecordBytes;
    }

    @Override
    public int hashCode() {
        return Objects.hash(format, featureDim, labelKind, labelDim, numClasses, maxRecordBytes);
    }

    @Override
    public String toString() {
        return "SampleSchema{format=" + format + ", featureDim=" + featureDim + ", labelKind=" + labelKind
                + (labelKind == LabelKind.CLASS ? ", numClasses=" + numClasses : ", labelDim=" + labelDim)
                + ", maxRecordBytes=" + maxRecordBytes + '}';
    }

    /** Collects settings; all checks happen in {@link #build()} so they can see every setting. */
    public static final class Builder {
        private SampleFormat format;
        private int featureDim;
        private LabelKind labelKind = LabelKind.REGRESSION;
        private Integer labelDim;
        private Integer numClasses;
        private int maxRecordBytes = DEFAULT_MAX_RECORD_BYTES;

        private Builder() {}

        public Builder format(SampleFormat format) {
            this.format = format;
            return this;
        }

        public Builder featureDim(int featureDim) {
            this.featureDim = featureDim;
            return this;
        }

        public Builder labelKind(LabelKind labelKind) {
            this.labelKind = labelKind;
            return this;
        }

        /** Only for REGRESSION and BINARY labels; defaults to 1. */
        public Builder labelDim(int labelDim) {
            this.labelDim = labelDim;
            return this;
        }

        /** Required for CLASS labels, rejected for the others. */
        public Builder numClasses(int numClasses) {
            this.numClasses = numClasses;
            return this;
        }

        public Builder maxRecordBytes(int maxRecordBytes) {
            this.maxRecordBytes = maxRecordBytes;
            return this;
        }

        /** Shorthand for a REGRESSION label of {@code labelDim} floats. */
        public Builder regression(int labelDim) {
            return labelKind(LabelKind.REGRESSION).labelDim(labelDim);
        }

        /** Shorthand for a CLASS label with {@code numClasses} classes. */
        public Builder classes(int numClasses) {
            return labelKind(LabelKind.CLASS).numClasses(numClasses);
        }

        /** @throws IllegalArgumentException naming the setting to fix */
        public SampleSchema build() {
            if (format == null) {
                throw new IllegalArgumentException("sample schema: set format to JSON or BINARY");
            }
            if (labelKind == null) {
                throw new IllegalArgumentException("sample schema: set labelKind to REGRESSION, BINARY or CLASS");
            }
            if (featureDim <= 0) {
                throw new IllegalArgumentException("sample schema: featureDim must be at least 1, got " + featureDim);
            }
            if (labelKind == LabelKind.CLASS) {
                if (numClasses == null) {
                    throw new IllegalArgumentException("sample schema: labelKind CLASS needs numClasses");
                }
                if (numClasses < 2 || numClasses > MAX_CLASSES) {
                    throw new IllegalArgumentException("sample schema: numClasses must be in 2.." + MAX_CLASSES
                            + " (class indices travel as float32), got " + numClasses);
                }
                if (labelDim != null && labelDim != 1) {
                    throw new IllegalArgumentException("sample schema: labelKind CLASS carries one class index;"
                            + " remove labelDim (got " + labelDim + ")");
                }
            } else {
                if (numClasses != null) {
                    throw new IllegalArgumentException("sample schema: numClasses applies only to labelKind CLASS,"
                            + " but labelKind is " + labelKind);
                }
                if (labelDim != null && labelDim <= 0) {
                    throw new IllegalArgumentException("sample schema: labelDim must be at least 1, got " + labelDim);
                }
            }
            if (maxRecordBytes <= 0) {
                throw new IllegalArgumentException(
                        "sample schema: maxRecordBytes must be positive, got " + maxRecordBytes);
            }
            // long arithmetic: a huge featureDim must not overflow into a small, "valid" length
            long binaryBytes = (long) Float.BYTES * featureDim + (long) Float.BYTES * (labelDim == null ? 1 : labelDim);
            if (format == SampleFormat.BINARY && binaryBytes > maxRecordBytes) {
                throw new IllegalArgumentException("sample schema: a BINARY record of featureDim " + featureDim
                        + " is " + binaryBytes + " bytes, more than maxRecordBytes " + maxRecordBytes
                        + "; raise maxRecordBytes or lower featureDim");
            }
            return new SampleSchema(this);
        }
    }
}
