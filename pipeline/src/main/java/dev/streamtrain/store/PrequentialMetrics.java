package dev.streamtrain.store;

/**
 * The prequential (test-then-train) metrics of a window ({@code metrics.prequential}): {@code
 * loss} is the mean over its batches of each batch's loss before its update, over {@code samples}
 * trained samples.
 */
public record PrequentialMetrics(double loss, long samples) {}
