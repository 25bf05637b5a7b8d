package dev.streamtrain.jobs.plot;

import dev.streamtrain.events.CheckpointEvent;
import dev.streamtrain.rollback.RunHistory;
import dev.streamtrain.store.Manifest;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * What the plot of one run shows, derived from its events in topic order: one point per committed
 * epoch (mean loss, samples/s, attempt), whether it is superseded (no longer live by {@link
 * RunHistory}'s lineage rules) and whether retention deleted its artifact, plus the rollbacks.
 *
 * @param points    every committed epoch, in topic order
 * @param rollbacks every {@code rolled-back} event, in topic order
 */
public record RunChartData(String key, List<Point> points, List<Rollback> rollbacks) {

    /**
     * @param meanLoss         the window's mean loss (NaN when the manifest has none)
     * @param samplesPerSecond the window's training rate (NaN when the manifest has none)
     * @param superseded       a later rollback or re-commit replaced this epoch
     * @param deleted          an {@code epoch-deleted} event for this epoch came after it (and before any re-commit)
     */
    public record Point(
            long epoch, int attempt, double meanLoss, double samplesPerSecond, boolean superseded, boolean deleted) {}

    /** A {@code rolled-back} event: the run went back to {@code toEpoch} and continued as {@code attempt}. */
    public record Rollback(long toEpoch, int attempt, List<Long> supersededEpochs) {}

    public static RunChartData of(String key, List<CheckpointEvent> events) {
        RunHistory history = RunHistory.of(events);
        List<CheckpointEvent> live = history.liveEpochs();
        List<CheckpointEvent> committed = new ArrayList<>();
        List<Boolean> deleted = new ArrayList<>();
        List<Rollback> rollbacks = new ArrayList<>();
        for (CheckpointEvent e : events) {
            switch (e.type()) {
                case CheckpointEvent.EPOCH_COMMITTED -> {
                    committed.add(e);
                    deleted.add(false);
                }
                case CheckpointEvent.EPOCH_DELETED -> {
                    // the newest commit of that epoch is the artifact the deletion removed (same folder)
                    for (int i = committed.size() - 1; i >= 0; i--) {
                        if (committed.get(i).epoch() == e.epoch()) {
                            deleted.set(i, true);
                            break;
                        }
                    }
                }
                case CheckpointEvent.ROLLED_BACK ->
                    rollbacks.add(new Rollback(
                            e.epoch(),
                            e.lineage(),
                            e.rollback() == null
                                    ? List.of()
                                    : List.copyOf(e.rollback().supersededEpochs())));
                default -> {} // a type this build does not know: skipped, as the schema asks
            }
        }
        List<Point> points = new ArrayList<>(committed.size());
        for (int i = 0; i < committed.size(); i++) {
            CheckpointEvent e = committed.get(i);
            Manifest.Metrics m = e.manifest() == null ? null : e.manifest().metrics();
            boolean isLive = live.stream().anyMatch(l -> l == e); // RunHistory keeps the very event objects
            points.add(new Point(
                    e.epoch(),
                    e.lineage(),
                    m == null ? Double.NaN : m.meanLoss(),
                    m == null ? Double.NaN : m.samplesPerSecond(),
                    !isLive,
                    deleted.get(i)));
        }
        return new RunChartData(key, List.copyOf(points), List.copyOf(rollbacks));
    }

    /** The attempts that committed at least one epoch, ascending. */
    public SortedSet<Integer> attempts() {
        SortedSet<Integer> attempts = new TreeSet<>();
        points.forEach(p -> attempts.add(p.attempt()));
        return attempts;
    }
}
