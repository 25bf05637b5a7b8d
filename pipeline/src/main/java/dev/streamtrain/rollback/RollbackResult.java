package dev.streamtrain.rollback;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A rollback done: the run's new job restores epoch {@code rolledBackTo} as {@code attempt}. */
public record RollbackResult(
        long rolledBackTo,
        int attempt,
        String restoredFrom,
        String flinkJobId,
        String previousJobId,
        String savepointPath,
        List<Long> supersededEpochs,
        String latest) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public RollbackResult {
        supersededEpochs = List.copyOf(supersededEpochs);
    }

    /** The one JSON line the command prints. */
    public String toJson() {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("rolledBackTo", rolledBackTo);
        result.put("attempt", attempt);
        result.put("restoredFrom", restoredFrom);
        result.put("flinkJobId", flinkJobId);
        result.put("previousJobId", previousJobId);
        result.put("savepointPath", savepointPath);
        result.put("supersededEpochs", supersededEpochs);
        result.put("latest", latest);
        try {
            return JSON.writeValueAsString(result);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
