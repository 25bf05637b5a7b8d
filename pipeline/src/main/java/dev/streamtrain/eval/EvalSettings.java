package dev.streamtrain.eval;

import java.io.Serializable;

/**
 * How the trainer evaluates while it trains (job keys {@code eval.*}).
 *
 * @param holdoutFraction the share of valid Kafka samples held out of training ({@link HoldoutSplit}); 0: none
 * @param holdoutMaxRows  at most this many holdout rows are kept (and scored) per epoch-window: the first
 *                        ones in stream order; later holdout rows of the window are neither trained nor scored
 * @param drift           the Page-Hinkley detector's settings over the prequential batch loss; null: no
 *                        drift detection
 */
public record EvalSettings(double holdoutFraction, int holdoutMaxRows, PageHinkley.Settings drift)
        implements Serializable {

    public static final double DEFAULT_HOLDOUT_FRACTION = 0.02;
    public static final int DEFAULT_HOLDOUT_MAX_ROWS = 4096;
    /** River's PageHinkley defaults: delta 0.005, threshold 50, 30 observations before the first test. */
    public static final double DEFAULT_DRIFT_DELTA = 0.005;

    public static final double DEFAULT_DRIFT_THRESHOLD = 50.0;
    public static final long DEFAULT_DRIFT_MIN_BATCHES = 30;

    public EvalSettings {
        HoldoutSplit.of(holdoutFraction); // validates the range
        if (holdoutMaxRows < 1) {
            throw new IllegalArgumentException("eval.holdout-max-rows must be >= 1, got " + holdoutMaxRows);
        }
    }

    /** No holdout and no drift detection: training as before evaluation existed (the library default). */
    public static EvalSettings disabled() {
        return new EvalSettings(0, DEFAULT_HOLDOUT_MAX_ROWS, null);
    }

    /** The job defaults: a 2 % holdout and drift detection on. */
    public static EvalSettings defaults() {
        return new EvalSettings(
                DEFAULT_HOLDOUT_FRACTION,
                DEFAULT_HOLDOUT_MAX_ROWS,
                new PageHinkley.Settings(DEFAULT_DRIFT_DELTA, DEFAULT_DRIFT_THRESHOLD, DEFAULT_DRIFT_MIN_BATCHES));
    }

    public HoldoutSplit split() {
        return HoldoutSplit.of(holdoutFraction);
    }

    public boolean detectsDrift() {
        return drift != null;
    }
}
