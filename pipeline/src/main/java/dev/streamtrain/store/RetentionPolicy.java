package dev.streamtrain.store;

import java.io.Serializable;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Which committed epochs to keep: the last {@code keepLast}, the best {@code keepBest} by mean
 * loss (lower is better), and every protected one (what {@code latest} names, what a retained
 * Flink checkpoint would roll back to). Both 0 (the default) keeps everything.
 */
public record RetentionPolicy(int keepLast, int keepBest) implements Serializable {
    public RetentionPolicy {
        if (keepLast < 0 || keepBest < 0) {
            throw new IllegalArgumentException("store.keep-last and store.keep-best must be >= 0");
        }
    }

    public static RetentionPolicy keepAll() {
        return new RetentionPolicy(0, 0);
    }

    public boolean keepsAll() {
        return keepLast == 0 && keepBest == 0;
    }

    /** A committed epoch as retention sees it. */
    public record Epoch(long epoch, double meanLoss) {}

    /** The epochs of {@code committed} (not yet deleted) to delete now, oldest first. */
    public List<Long> toDelete(List<Epoch> committed, Set<Long> protectedEpochs) {
        if (keepsAll()) {
            return List.of();
        }
        Set<Long> keep = new HashSet<>(protectedEpochs);
        committed.stream()
                .sorted(Comparator.comparingLong(Epoch::epoch).reversed())
                .limit(keepLast)
                .forEach(e -> keep.add(e.epoch()));
        committed.stream()
                .filter(e -> Double.isFinite(e.meanLoss()))
                .sorted(Comparator.comparingDouble(Epoch::meanLoss).thenComparingLong(Epoch::epoch))
                .limit(keepBest)
                .forEach(e -> keep.add(e.epoch()));
        return committed.stream()
                .map(Epoch::epoch)
                .filter(e -> !keep.contains(e))
                .sorted()
                .toList();
    }

    public String describe() {
        return "keep-last " + keepLast + ", keep-best " + keepBest + " by meanLoss";
    }
}
