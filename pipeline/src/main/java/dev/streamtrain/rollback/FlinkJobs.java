package dev.streamtrain.rollback;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The calls of Flink's REST API a rollback makes. {@link FlinkRest} makes them over HTTP; tests use
 * an in-memory cluster. Every call throws {@link IOException} when the API is unreachable or answers
 * with an error.
 */
public interface FlinkJobs {
    /** Job states after which nothing of the job runs any more. */
    Set<String> TERMINAL = Set.of("FINISHED", "CANCELED", "FAILED", "SUSPENDED");

    /** Where the API is, for messages. */
    String baseUrl();

    /** The job's state (RUNNING, CANCELED, …); empty when the cluster does not know the job. */
    Optional<String> state(String jobId) throws IOException;

    /** Ids of the jobs named {@code name} that are not in a terminal state. */
    List<String> activeJobsNamed(String name) throws IOException;

    /** The job's global job parameters; empty when the cluster does not know the job. */
    Optional<Map<String, String>> globalParameters(String jobId) throws IOException;

    /** A key of the JobManager's configuration. */
    Optional<String> clusterConfig(String key) throws IOException;

    /** Takes a savepoint into {@code targetDirectory}, cancels the job once it completes; returns the savepoint's path. */
    String cancelWithSavepoint(String jobId, String targetDirectory, Duration timeout)
            throws IOException, InterruptedException;

    /** Waits until the job is in one of {@code states}; returns the state. */
    String awaitState(String jobId, Set<String> states, Duration timeout) throws IOException, InterruptedException;

    /** Uploads a job jar; returns its id. */
    String uploadJar(Path jar) throws IOException, InterruptedException;

    /** Runs the uploaded jar's {@code entryClass} as job {@code jobId}, restoring {@code restorePath}; returns the job id. */
    String runJar(String jarId, String entryClass, List<String> args, String restorePath, String jobId)
            throws IOException, InterruptedException;

    void deleteJar(String jarId) throws IOException, InterruptedException;
}
