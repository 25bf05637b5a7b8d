package dev.streamtrain.store;

import java.io.IOException;
import java.util.List;

/**
 * A state_dict that does not fit the job's model: every missing name, unexpected name and shape
 * mismatch at once, so that one failed start shows the whole difference rather than the first.
 */
public final class StateDictMismatchException extends IOException {
    private static final long serialVersionUID = 1L;

    private final List<String> mismatches;

    public StateDictMismatchException(String what, List<String> mismatches) {
        super(what + ": " + mismatches.size() + (mismatches.size() == 1 ? " mismatch: " : " mismatches: ")
                + String.join("; ", mismatches));
        this.mismatches = List.copyOf(mismatches);
    }

    /** One line per difference, e.g. {@code missing tensor 4.bias [1]}. */
    public List<String> mismatches() {
        return mismatches;
    }
}
