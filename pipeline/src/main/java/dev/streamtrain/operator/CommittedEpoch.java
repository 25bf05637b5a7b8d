package dev.streamtrain.operator;

import com.fasterxml.jackson.annotation.JsonInclude;

/** An epoch whose event was emitted; operator state (as JSON) for retention. */
public class CommittedEpoch {
    public long epoch;
    public double meanLoss;
    /** The checkpoint whose transaction carries the epoch's event (null: end of a bounded input). */
    public Long checkpointId;
    /** True once the deletion event was emitted. */
    public boolean deleted;
    /**
     * True when the promotion gate kept {@code latest} on an earlier epoch. Written only when true, so
     * the ledger of a run without gating keeps its bytes, and an older ledger reads as all promoted.
     */
    @JsonInclude(JsonInclude.Include.NON_DEFAULT)
    public boolean heldBack;

    public CommittedEpoch() {}

    CommittedEpoch(long epoch, double meanLoss, Long checkpointId, boolean promoted) {
        this.epoch = epoch;
        this.meanLoss = meanLoss;
        this.checkpointId = checkpointId;
        this.heldBack = !promoted;
    }
}
