package dev.streamtrain.events;

import dev.streamtrain.store.RunKey;

/**
 * Hand-made checkpoint events for tests, built one way: an {@code epoch-committed} event as the job
 * writes it, with the fields a test cares about set by name. Every test that needs such an event
 * builds it here, so a field added to the event changes one place.
 */
public final class CheckpointEventFixtures {
    /** {@code createdAt} of every event made here: no test depends on the clock. */
    public static final String CREATED_AT = "2026-11-26T00:00:00Z";

    private CheckpointEventFixtures() {}

    /**
     * Epoch {@code epoch} of {@code key} committed, its artifact in {@code <artifactRoot>/epoch-NNNNNN/}
     * (a manifest and a 10-byte model), {@code epoch * 100} samples, attempt 1; no job and no checkpoint
     * until {@link Committed#job} and {@link Committed#checkpoint} set them.
     */
    public static Committed committed(RunKey key, String artifactRoot, long epoch) {
        return new Committed(key, artifactRoot + "/epoch-" + String.format("%06d", epoch) + "/", epoch);
    }

    /** An event being made; {@link #build()} makes it. */
    public static final class Committed {
        private final RunKey key;
        private final String folder;
        private final long epoch;
        private String type = CheckpointEvent.EPOCH_COMMITTED;
        private String job;
        private int attempt = 1;
        private Long checkpointId;
        private String checkpointDir;

        private Committed(RunKey key, String folder, long epoch) {
            this.key = key;
            this.folder = folder;
            this.epoch = epoch;
        }

        /** Written by Flink job {@code job} in attempt {@code attempt} (0: a build before attempts existed). */
        public Committed job(String job, int attempt) {
            this.job = job;
            this.attempt = attempt;
            return this;
        }

        /**
         * Made visible by checkpoint {@code id}, whose path is {@code <checkpointDir>/<job>/chk-<id>}; no path
         * when {@code id} is null (the end-of-input checkpoint of a bounded run) or {@code checkpointDir} is
         * (a build that did not write it).
         */
        public Committed checkpoint(Long id, String checkpointDir) {
            this.checkpointId = id;
            this.checkpointDir = checkpointDir;
            return this;
        }

        /** The same fields under another type, such as one this build does not know. */
        public Committed type(String type) {
            this.type = type;
            return this;
        }

        public CheckpointEvent build() {
            String checkpointPath = checkpointId == null || checkpointDir == null
                    ? null
                    : checkpointDir + "/" + job + "/chk-" + checkpointId;
            return new CheckpointEvent(
                    CheckpointEvent.SCHEMA_VERSION,
                    type,
                    key.experiment(),
                    key.run(),
                    key.model(),
                    epoch,
                    folder,
                    folder + "manifest.json",
                    folder + "model.safetensors",
                    null,
                    10,
                    "0".repeat(64),
                    epoch * 100,
                    checkpointId,
                    job,
                    attempt,
                    checkpointPath,
                    CREATED_AT,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null);
        }
    }
}
