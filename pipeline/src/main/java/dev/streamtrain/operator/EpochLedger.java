package dev.streamtrain.operator;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamtrain.store.RetentionPolicy;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The epochs this run has announced, which of them retention has deleted, and which must never be
 * deleted because a rollback could need them. Plain bookkeeping, no I/O: the operator keeps it as
 * the {@code committed-epochs} state (JSON, see {@link #toJson}) and {@link ArtifactPublisher}
 * does the deleting.
 *
 * <p>Protected, never deleted: the newest promoted epoch (what {@code latest} names; every epoch is
 * promoted unless {@code store.promote-mode=metric} held it back), the newest epoch, and, for each
 * of the last {@code retainedCheckpoints} checkpoints that announced epochs (and one more, the
 * checkpoint being taken), the newest epoch it announced and the newest epoch promoted up to it —
 * what a rollback to a retained checkpoint would restore and make {@code latest} again.
 *
 * <p>Not thread-safe: used on the task thread only.
 */
public final class EpochLedger {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final RetentionPolicy retention;
    private final int retainedCheckpoints;
    private final List<CommittedEpoch> committed;
    /** Deletions started but not yet announced: not offered to retention again. */
    private final Set<Long> deletionsInFlight = new HashSet<>();

    /**
     * @param retainedCheckpoints how many completed checkpoints Flink retains
     *     ({@code execution.checkpointing.num-retained}), at least 1
     * @param restored the ledger of a restored state, or empty
     */
    public EpochLedger(RetentionPolicy retention, int retainedCheckpoints, List<CommittedEpoch> restored) {
        if (retainedCheckpoints < 1) {
            throw new IllegalArgumentException("retainedCheckpoints must be >= 1, got " + retainedCheckpoints);
        }
        this.retention = Objects.requireNonNull(retention, "retention");
        this.retainedCheckpoints = retainedCheckpoints;
        this.committed = new ArrayList<>(restored);
    }

    /** Reads the {@code committed-epochs} state; null (no state yet) gives an empty ledger. */
    public static EpochLedger fromJson(RetentionPolicy retention, int retainedCheckpoints, byte[] json)
            throws IOException {
        List<CommittedEpoch> restored =
                json == null ? List.of() : List.of(JSON.readValue(json, CommittedEpoch[].class));
        return new EpochLedger(retention, retainedCheckpoints, restored);
    }

    /** The {@code committed-epochs} state: a JSON array of {@link CommittedEpoch}, oldest first. */
    public byte[] toJson() throws IOException {
        return JSON.writeValueAsBytes(committed);
    }

    /** The epoch's event was emitted into the transaction of {@code checkpointId} (null: end of input). */
    public void committed(long epoch, double meanLoss, Long checkpointId) {
        committed(epoch, meanLoss, checkpointId, true);
    }

    /** As above; {@code promoted} false: the promotion gate kept {@code latest} on an earlier epoch. */
    public void committed(long epoch, double meanLoss, Long checkpointId, boolean promoted) {
        committed.add(new CommittedEpoch(epoch, meanLoss, checkpointId, promoted));
    }

    /**
     * The epochs retention wants deleted now, oldest first; they count as in flight (not offered
     * again) until {@link #deleted}. Empty when retention keeps everything.
     */
    public List<Long> startDeletions() {
        if (retention.keepsAll()) {
            return List.of();
        }
        List<RetentionPolicy.Epoch> live = new ArrayList<>();
        for (CommittedEpoch c : committed) {
            if (!c.deleted && !deletionsInFlight.contains(c.epoch)) {
                live.add(new RetentionPolicy.Epoch(c.epoch, c.meanLoss));
            }
        }
        List<Long> toDelete = retention.toDelete(live, protectedEpochs());
        deletionsInFlight.addAll(toDelete);
        return toDelete;
    }

    /** The epoch's deletion event was emitted. */
    public void deleted(long epoch) {
        for (CommittedEpoch c : committed) {
            if (c.epoch == epoch) {
                c.deleted = true;
            }
        }
        deletionsInFlight.remove(epoch);
    }

    /** Epochs retention must keep whatever its policy says (see the class comment). */
    public Set<Long> protectedEpochs() {
        Set<Long> keep = new HashSet<>();
        List<Long> checkpoints = committed.stream()
                .map(c -> c.checkpointId)
                .filter(Objects::nonNull)
                .distinct()
                .sorted(Comparator.reverseOrder())
                .limit(retainedCheckpoints + 1L)
                .toList();
        committed.stream().mapToLong(c -> c.epoch).max().ifPresent(keep::add);
        promotedEpoch().ifPresent(keep::add);
        for (Long cp : checkpoints) {
            committed.stream()
                    .filter(c -> cp.equals(c.checkpointId))
                    .mapToLong(c -> c.epoch)
                    .max()
                    .ifPresent(keep::add);
            // latest as that checkpoint completed: the newest epoch promoted in it or before it
            committed.stream()
                    .filter(c -> !c.heldBack && c.checkpointId != null && c.checkpointId <= cp)
                    .mapToLong(c -> c.epoch)
                    .max()
                    .ifPresent(keep::add);
        }
        return keep;
    }

    /** The newest promoted epoch: the one {@code latest} names; empty before one. */
    public OptionalLong promotedEpoch() {
        return committed.stream()
                .filter(c -> !c.heldBack)
                .mapToLong(c -> c.epoch)
                .max();
    }

    /** Announced and not deleted, oldest first. */
    public List<Long> liveEpochs() {
        return committed.stream().filter(c -> !c.deleted).map(c -> c.epoch).toList();
    }

    public String describeRetention() {
        return retention.describe();
    }
}
