package dev.streamtrain.jobs.config;

import java.util.List;

/** Bad configuration, found at start-up: every problem at once, each saying what to fix. */
public final class InvalidConfigurationException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final List<String> problems;

    public InvalidConfigurationException(List<String> problems) {
        super("invalid streamtrain configuration:\n  - " + String.join("\n  - ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
