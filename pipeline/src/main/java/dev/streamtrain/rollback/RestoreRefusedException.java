package dev.streamtrain.rollback;

import java.io.IOException;

/**
 * An epoch artifact cannot serve as a restore point: it is gone, fails its sha256, predates restore
 * points, or its offsets are no longer in the topic. The message names the problem; nothing was
 * changed.
 */
public final class RestoreRefusedException extends IOException {
    private static final long serialVersionUID = 1L;

    public RestoreRefusedException(String message) {
        super(message);
    }
}
