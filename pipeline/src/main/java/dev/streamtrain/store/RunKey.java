package dev.streamtrain.store;

import java.io.Serializable;

/**
 * Which model of which run of which experiment: the three names that prefix every object key of
 * the model ({@link ArtifactLayout}) and key its events on the checkpoint-event topic. Each name is
 * checked the way {@link ArtifactLayout} checks it, so a key never gains or loses a path level.
 *
 * <p>{@link #toString()} is the one spelling, {@code <experiment>/<run>/<model>}; {@link #parse}
 * reads it back.
 */
public record RunKey(String experiment, String run, String model) implements Serializable {

    private static final long serialVersionUID = 1L;

    public RunKey {
        ArtifactLayout.requireName("experiment", experiment);
        ArtifactLayout.requireName("run", run);
        ArtifactLayout.requireName("model", model);
    }

    /**
     * Reads {@code <experiment>/<run>/<model>}.
     *
     * @throws IllegalArgumentException naming what is wrong when it is not three valid names
     */
    public static RunKey parse(String key) {
        String[] parts = key == null ? new String[0] : key.split("/", -1);
        if (parts.length != 3) {
            throw new IllegalArgumentException("a run key is <experiment>/<run>/<model>, got '" + key + "'");
        }
        return new RunKey(parts[0], parts[1], parts[2]);
    }

    /** {@code <experiment>/<run>/<model>}. */
    @Override
    public String toString() {
        return experiment + "/" + run + "/" + model;
    }
}
