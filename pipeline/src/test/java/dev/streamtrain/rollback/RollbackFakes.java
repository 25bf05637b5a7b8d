package dev.streamtrain.rollback;

import dev.streamtrain.events.CheckpointEvent;
import dev.streamtrain.events.CheckpointEventFixtures;
import dev.streamtrain.store.LatestPointer;
import dev.streamtrain.store.RunKey;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** In-memory Flink cluster, event topic, object store and job for rollback unit tests: they record what was done. */
final class RollbackFakes {
    static final RunKey KEY = RunKey.parse("e/r/m");
    static final String JOB_1 = "11111111111111111111111111111111";
    static final String JOB_2 = "22222222222222222222222222222222";

    private RollbackFakes() {}

    /** Epoch {@code epoch} of {@code job}, committed by checkpoint {@code checkpointId} at {@code s3://b/cp/<job>/chk-N}. */
    static CheckpointEvent committed(long epoch, int attempt, String job, long checkpointId) {
        return CheckpointEventFixtures.committed(KEY, "s3://b/e/r/m", epoch)
                .job(job, attempt)
                .checkpoint(checkpointId, "s3://b/cp")
                .build();
    }

    /** A cluster whose jobs change state only when the rollback asks. */
    static final class Flink implements FlinkJobs {
        record Run(String jarId, String entryClass, List<String> args, String restorePath, String jobId) {}

        final Map<String, String> states = new LinkedHashMap<>();
        final Map<String, String> names = new LinkedHashMap<>();
        final Map<String, Map<String, String>> parameters = new LinkedHashMap<>();
        final Map<String, String> config =
                new LinkedHashMap<>(Map.of("execution.checkpointing.savepoint-dir", "s3://b/sp"));
        final List<String> cancelled = new ArrayList<>();
        final List<Run> runs = new ArrayList<>();
        final List<String> deletedJars = new ArrayList<>();
        /** When set, the savepoint fails with this message and the job runs on. */
        String savepointFailure;
        /** What happens while the job is being stopped (the cluster subsumes a checkpoint, the job commits an epoch). */
        Runnable whileStopping = () -> {};
        /** The state a submitted job reaches. */
        String submittedJobsReach = "RUNNING";

        private int jars;

        /** A running job of the run with the parameters it reported. */
        Flink running(String jobId, Map<String, String> reported) {
            states.put(jobId, "RUNNING");
            names.put(jobId, "streamtrain " + KEY);
            parameters.put(jobId, reported);
            return this;
        }

        @Override
        public String baseUrl() {
            return "http://flink.test:8081";
        }

        @Override
        public Optional<String> state(String jobId) {
            return Optional.ofNullable(states.get(jobId));
        }

        @Override
        public List<String> activeJobsNamed(String name) {
            return states.keySet().stream()
                    .filter(id -> name.equals(names.get(id)) && !TERMINAL.contains(states.get(id)))
                    .toList();
        }

        @Override
        public Optional<Map<String, String>> globalParameters(String jobId) {
            return Optional.ofNullable(parameters.get(jobId));
        }

        @Override
        public Optional<String> clusterConfig(String key) {
            return Optional.ofNullable(config.get(key));
        }

        @Override
        public String cancelWithSavepoint(String jobId, String targetDirectory, Duration timeout) throws IOException {
            if (savepointFailure != null) {
                throw new IOException(savepointFailure);
            }
            whileStopping.run();
            states.put(jobId, "CANCELED");
            cancelled.add(jobId);
            return targetDirectory + "/savepoint-" + jobId.substring(0, 6);
        }

        @Override
        public String awaitState(String jobId, Set<String> wanted, Duration timeout) throws IOException {
            String state = states.get(jobId);
            if (!wanted.contains(state)) {
                throw new IOException("job " + jobId + " did not reach " + wanted + " (it is " + state + ")");
            }
            return state;
        }

        @Override
        public String uploadJar(Path jar) {
            return "jar-" + ++jars + "_" + jar.getFileName();
        }

        @Override
        public String runJar(String jarId, String entryClass, List<String> args, String restorePath, String jobId) {
            runs.add(new Run(jarId, entryClass, List.copyOf(args), restorePath, jobId));
            states.put(jobId, submittedJobsReach);
            names.put(jobId, "streamtrain " + KEY);
            return jobId;
        }

        @Override
        public void deleteJar(String jarId) {
            deletedJars.add(jarId);
        }
    }

    /** The event topic: every event in order, and those the rollback published. */
    static final class Events implements RunEvents {
        final List<CheckpointEvent> topic = new ArrayList<>();
        final List<CheckpointEvent> published = new ArrayList<>();
        String publishFailure;

        Events(List<CheckpointEvent> events) {
            topic.addAll(events);
        }

        @Override
        public List<CheckpointEvent> read(RunKey key, Duration timeout) {
            return topic.stream().filter(e -> e.runKey().equals(key)).toList();
        }

        @Override
        public void publish(CheckpointEvent event, Duration timeout) throws IOException {
            if (publishFailure != null) {
                throw new IOException(publishFailure);
            }
            topic.add(event);
            published.add(event);
        }

        RunHistory history() {
            return RunHistory.of(read(KEY, Duration.ZERO));
        }
    }

    /** The object store as a set of URIs; {@code latest} moves are recorded. */
    static final class Store implements RollbackStore {
        final Set<String> objects = new HashSet<>();
        final List<URI> latestMoves = new ArrayList<>();

        /** Each event's checkpoint {@code _metadata} and manifest exist. */
        Store holding(List<CheckpointEvent> events) {
            for (CheckpointEvent e : events) {
                objects.add(e.checkpointPath() + "/_metadata");
                objects.add(e.manifestUri());
            }
            return this;
        }

        @Override
        public boolean exists(String s3Uri) {
            return objects.contains(s3Uri);
        }

        @Override
        public LatestPointer pointLatestAt(URI manifestUri) {
            latestMoves.add(manifestUri);
            return new LatestPointer(
                    1, "e", "r", "m", 0, manifestUri.toString(), "0".repeat(64), "2026-11-26T00:00:00Z");
        }
    }

    /** A job whose arguments are its reported parameters, then the attempt; {@code s3.secret-key} is its secret. */
    static class Job implements RestartableJob {
        final Path jar = Path.of("job.jar");
        List<String> overrides = List.of();

        @Override
        public String name(RunKey key) {
            return "streamtrain " + key;
        }

        @Override
        public String entryClass() {
            return "dev.test.Job";
        }

        @Override
        public Path jar() {
            return jar;
        }

        @Override
        public Optional<List<String>> arguments(Map<String, String> reported, int attempt) {
            if (reported.isEmpty() && overrides.isEmpty()) {
                return Optional.empty();
            }
            List<String> args = new ArrayList<>();
            reported.forEach((k, v) -> args.addAll(List.of("--" + k, v)));
            args.addAll(overrides);
            args.addAll(List.of("--run.attempt", String.valueOf(attempt)));
            return Optional.of(args);
        }

        @Override
        public List<String> masked(List<String> arguments) {
            List<String> out = new ArrayList<>(arguments);
            for (int i = 0; i + 1 < out.size(); i++) {
                if (out.get(i).equals("--s3.secret-key")) {
                    out.set(i + 1, "******");
                }
            }
            return out;
        }
    }
}
