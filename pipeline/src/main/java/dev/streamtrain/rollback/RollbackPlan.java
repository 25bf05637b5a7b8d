package dev.streamtrain.rollback;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * A checked rollback of run {@code key} to epoch {@code toEpoch}: everything that could refuse has
 * been asked. {@link #toJson()} is what {@code --dry-run} prints; {@link RollbackExecutor} carries it out.
 *
 * @param target           the restore point of {@code toEpoch} (a checkpoint, so its committed event is set)
 * @param attempt          the attempt the restarted job will be, as the events tell it now
 * @param stop             the running job to cancel with a savepoint, or null when none runs
 * @param previousJobId    {@code stop}, else the job that wrote the newest event (null before any)
 * @param previousJobState the cluster's state of {@code previousJobId} ({@code RUNNING} when it is {@code stop})
 * @param savepointDir     where the savepoint goes (null when nothing is stopped)
 * @param supersededSoFar  the live epochs above {@code toEpoch} now (the stopped job may commit more)
 * @param jobArguments     the restarted job's arguments, secrets included: never print them
 * @param shownArguments   {@code jobArguments} with the secrets masked
 * @param startOffsets     artifact restore points: where the restored job's Kafka source starts, per
 *                         {@code "topic-partition"}; null for snapshots (their state holds the offsets)
 */
public record RollbackPlan(
        String key,
        long toEpoch,
        RestorePoint target,
        int attempt,
        String stop,
        String previousJobId,
        String previousJobState,
        String savepointDir,
        List<Long> supersededSoFar,
        Path jar,
        List<String> jobArguments,
        List<String> shownArguments,
        Map<String, Long> startOffsets) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public RollbackPlan {
        supersededSoFar = List.copyOf(supersededSoFar);
        jobArguments = List.copyOf(jobArguments);
        shownArguments = List.copyOf(shownArguments);
        startOffsets = startOffsets == null ? null : Map.copyOf(startOffsets);
    }

    /** Whether the job restarts from an epoch artifact rather than a Flink snapshot. */
    public boolean fromArtifact() {
        return target.kind() == RestorePoint.Kind.ARTIFACT;
    }

    public boolean stopsAJob() {
        return stop != null;
    }

    /** The manifest {@code latest} will name: the restored epoch's. */
    public String latest() {
        return target.committed().manifestUri();
    }

    /** The plan as one JSON line, secrets masked. */
    public String toJson() {
        Map<String, Object> plan = new LinkedHashMap<>();
        plan.put("rollBackTo", toEpoch);
        plan.put("kind", target.kind().name().toLowerCase(Locale.ROOT));
        plan.put("restoreFrom", target.path());
        if (startOffsets != null) {
            plan.put("startOffsets", new TreeMap<>(startOffsets));
        }
        plan.put("attempt", attempt);
        plan.put("stop", stop);
        plan.put("savepointDir", savepointDir);
        plan.put("supersededSoFar", supersededSoFar);
        plan.put("latest", latest());
        plan.put("jar", jar.toString());
        plan.put("jobArguments", shownArguments);
        try {
            return JSON.writeValueAsString(plan);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The JSON: a record's own toString would show the secrets. */
    @Override
    public String toString() {
        return toJson();
    }
}
