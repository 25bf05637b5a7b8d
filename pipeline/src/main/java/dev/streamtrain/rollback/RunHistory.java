package dev.streamtrain.rollback;

import dev.streamtrain.events.CheckpointEvent;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One run's history ({@code <experiment>/<run>/<model>}) as its checkpoint events tell it, read in
 * topic order: the live epochs (what the run's model descends from now), the superseded ones, and
 * where each live epoch can be restored from.
 *
 * <p>Rules: a committed epoch replaces any live epoch at or above it (so a run restarted by hand
 * from an older snapshot is followed too); a {@code rolled-back} event drops every live epoch above
 * the one it restored. Only the newest epoch of a checkpoint has a restore point: that checkpoint
 * holds the model after all the epochs it committed.
 */
public final class RunHistory {
    private final List<CheckpointEvent> live = new ArrayList<>();
    private final List<RestorePoint> savepoints = new ArrayList<>();
    private final List<CheckpointEvent> deletions = new ArrayList<>();
    private int highestAttempt = 1;
    private String currentJobId;

    public static RunHistory of(List<CheckpointEvent> events) {
        RunHistory h = new RunHistory();
        events.forEach(h::apply);
        return h;
    }

    public void apply(CheckpointEvent e) {
        highestAttempt = Math.max(highestAttempt, e.lineage());
        switch (e.type()) {
            case CheckpointEvent.EPOCH_COMMITTED -> {
                live.removeIf(l -> l.epoch() >= e.epoch());
                live.add(e);
                currentJobId = e.flinkJobId();
            }
            case CheckpointEvent.EPOCH_DELETED -> deletions.add(e);
            case CheckpointEvent.ROLLED_BACK -> {
                long newestBefore =
                        live.stream().mapToLong(CheckpointEvent::epoch).max().orElse(e.epoch());
                int attemptBefore =
                        live.isEmpty() ? 1 : live.get(live.size() - 1).lineage();
                live.removeIf(l -> l.epoch() > e.epoch());
                if (e.rollback() != null && e.rollback().savepointPath() != null) {
                    savepoints.add(RestorePoint.forwardSavepoint(e, newestBefore, attemptBefore));
                }
                currentJobId = e.flinkJobId();
            }
            default -> {} // a type this build does not know: skipped, as the schema asks
        }
    }

    /** The committed events of the live epochs, oldest first. */
    public List<CheckpointEvent> liveEpochs() {
        return List.copyOf(live);
    }

    public Optional<CheckpointEvent> live(long epoch) {
        return live.stream().filter(l -> l.epoch() == epoch).findFirst();
    }

    /** Live epochs above {@code epoch}: what a rollback to it supersedes. */
    public List<Long> epochsAbove(long epoch) {
        return live.stream()
                .map(CheckpointEvent::epoch)
                .filter(x -> x > epoch)
                .sorted()
                .toList();
    }

    /** Whether retention deleted the artifact of this live epoch. */
    public boolean artifactDeleted(CheckpointEvent liveEpoch) {
        return deletions.stream().anyMatch(d -> d.epoch() == liveEpoch.epoch() && d.lineage() >= liveEpoch.lineage());
    }

    /** The attempt a new rollback starts. */
    public int nextAttempt() {
        return highestAttempt + 1;
    }

    /** The job that wrote the newest event (the one to stop), or null before any event. */
    public String currentJobId() {
        return currentJobId;
    }

    /**
     * The live epochs' restore points (checkpoints, oldest first), then the savepoints rollbacks took
     * on the way (those restore superseded lineages: {@code flink run -s} by hand).
     */
    public List<RestorePoint> restorePoints() {
        List<RestorePoint> points = new ArrayList<>();
        for (CheckpointEvent e : live) {
            if (e.checkpointPath() != null && newestOfItsCheckpoint(e)) {
                points.add(RestorePoint.of(e));
            }
        }
        points.addAll(savepoints);
        return points;
    }

    /** The restore point of live epoch {@code epoch}, or why there is none (the message says what to do). */
    public RestorePoint restorePointFor(long epoch) {
        CheckpointEvent e = live(epoch)
                .orElseThrow(() ->
                        new NoRestorePoint("epoch " + epoch + " is not a live epoch of " + "this run; live epochs: "
                                + live.stream().map(CheckpointEvent::epoch).toList()));
        if (e.checkpointPath() == null) {
            throw new NoRestorePoint("epoch " + epoch + " names no checkpoint path ("
                    + (e.checkpointId() == null
                            ? "it was committed at the end of a bounded input"
                            : "its event was written by an older build")
                    + ")");
        }
        if (!newestOfItsCheckpoint(e)) {
            long newer = live.stream()
                    .filter(o -> sameCheckpoint(o, e))
                    .map(CheckpointEvent::epoch)
                    .max(Comparator.naturalOrder())
                    .orElseThrow();
            throw new NoRestorePoint("epoch " + epoch + " has no restore point of its own: checkpoint "
                    + e.checkpointId()
                    + " also committed epoch " + newer + ", so it restores epoch " + newer + " (roll back to " + newer
                    + ", or use a checkpoint interval shorter than an epoch-window)");
        }
        return RestorePoint.of(e);
    }

    private boolean newestOfItsCheckpoint(CheckpointEvent e) {
        return live.stream().noneMatch(o -> sameCheckpoint(o, e) && o.epoch() > e.epoch());
    }

    private static boolean sameCheckpoint(CheckpointEvent a, CheckpointEvent b) {
        return a.checkpointId() != null
                && a.checkpointId().equals(b.checkpointId())
                && Objects.equals(a.flinkJobId(), b.flinkJobId());
    }

    /** There is no restore point for what was asked. */
    public static final class NoRestorePoint extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        NoRestorePoint(String message) {
            super(message);
        }
    }
}
