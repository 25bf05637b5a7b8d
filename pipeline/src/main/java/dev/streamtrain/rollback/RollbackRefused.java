package dev.streamtrain.rollback;

/** A rollback refused or failed; the message says what to do, the reason decides the exit code. */
public final class RollbackRefused extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public enum Reason {
        /** Usage, configuration, or a service that cannot be used: nothing changed. */
        SETUP,
        /** The epoch has no restore point, or it no longer exists: nothing changed. */
        NO_RESTORE_POINT,
        /** It failed after the job was stopped: the message names the savepoint and what is left to do. */
        FAILED_AFTER_STOP
    }

    private final Reason reason;

    public RollbackRefused(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
