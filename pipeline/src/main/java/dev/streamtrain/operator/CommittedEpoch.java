package dev.streamtrain.operator;

/** An epoch whose event was emitted; operator state (as JSON) for retention. */
public class CommittedEpoch {
    public long epoch;
    public double meanLoss;
    /** The checkpoint whose transaction carries the epoch's event (null: end of a bounded input). */
    public Long checkpointId;
    /** True once the deletion event was emitted. */
    public boolean deleted;

    public CommittedEpoch() {}

    CommittedEpoch(long epoch, double meanLoss, Long checkpointId) {
        this.epoch = epoch;
        this.meanLoss = meanLoss;
        this.checkpointId = checkpointId;
    }
}
