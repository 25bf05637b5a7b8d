package dev.streamtrain.rollback;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Whether the samples a restore would read are still in the topic: retention of the samples topic
 * bounds how far back an epoch artifact is a restore point, whatever the bucket keeps.
 */
public final class OffsetHorizon {
    private OffsetHorizon() {}

    /** {@code "topic-partition"} split at its last dash: topic names may contain dashes. */
    public record Partition(String topic, int partition) {
        public static Partition parse(String key) {
            int dash = key.lastIndexOf('-');
            if (dash <= 0 || dash == key.length() - 1) {
                throw new IllegalArgumentException("not a \"topic-partition\" key: " + key);
            }
            return new Partition(key.substring(0, dash), Integer.parseInt(key.substring(dash + 1)));
        }

        @Override
        public String toString() {
            return topic + "-" + partition;
        }
    }

    /**
     * One line per partition whose next offset lies below the partition's log start offset (the
     * records were deleted), naming the partition and both offsets; empty when every offset is still
     * readable. A partition the broker does not report is named too.
     *
     * @param nextOffsets where the restore would start, per {@code "topic-partition"}
     * @param logStarts the partitions' log start offsets now, per {@code "topic-partition"}
     */
    public static List<String> deleted(Map<String, Long> nextOffsets, Map<String, Long> logStarts) {
        List<String> problems = new ArrayList<>();
        new TreeMap<>(nextOffsets).forEach((partition, next) -> {
            Long start = logStarts.get(partition);
            if (start == null) {
                problems.add(
                        "partition " + partition + " does not exist (the restore would start at offset " + next + ")");
            } else if (next < start) {
                problems.add("partition " + partition + ": the restore would start at offset " + next
                        + ", but the topic's log now starts at offset " + start + " (retention deleted "
                        + (start - next) + " records)");
            }
        });
        return problems;
    }
}
