package dev.streamtrain.rollback;

import dev.streamtrain.store.RunKey;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a rollback must know of the job it stops and starts again: its name on the cluster, its entry
 * class and jar, and how its arguments are rebuilt from the parameters the stopped job reported. The
 * jobs module supplies it (the job's classes live there).
 */
public interface RestartableJob {
    /** The name the job of run {@code key} has on the cluster. */
    String name(RunKey key);

    String entryClass();

    /** The job jar to submit. @throws RollbackRefused when there is none */
    Path jar() throws IOException;

    /**
     * The job's arguments for {@code attempt}: the {@code reported} global job parameters (secrets
     * masked) with the secrets filled back in, plus any overrides.
     *
     * @return empty when there is nothing to build them from (nothing reported, nothing given)
     * @throws RollbackRefused when they cannot be rebuilt (a masked secret not given again, an invalid value)
     */
    Optional<List<String>> arguments(Map<String, String> reported, int attempt);

    /** {@code arguments} with the secrets' values masked, to be shown. */
    List<String> masked(List<String> arguments);
}
