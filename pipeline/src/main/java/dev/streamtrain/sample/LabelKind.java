package dev.streamtrain.sample;

/** What a sample's label means, which decides how it is encoded and which values are valid. */
public enum LabelKind {
    /** {@code labelDim} finite floats. */
    REGRESSION,
    /** {@code labelDim} floats, each exactly 0 or 1 (one or several independent binary targets). */
    BINARY,
    /** One class index in {@code 0 .. numClasses-1}, carried as a float in {@link Sample#label}. */
    CLASS
}
