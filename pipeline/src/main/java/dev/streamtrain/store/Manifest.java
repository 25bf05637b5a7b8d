package dev.streamtrain.store;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.streamtrain.trainer.ModelSpec;
import java.io.IOException;
import java.io.Serializable;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * {@code manifest.json}: what one committed epoch artifact holds and where it came from. Written
 * last into the epoch folder; its presence is the commit marker.
 *
 * <p>Carries no secrets by construction: no endpoint credentials, no configuration dump — only
 * the model configuration, file checksums and provenance (Kafka offsets, event time, Flink job).
 *
 * <p>Compatibility: {@link #SCHEMA_VERSION} changes only for incompatible changes; readers
 * ignore fields they do not know, so adding a field is compatible.
 *
 * @param schemaVersion {@link #SCHEMA_VERSION}
 * @param epoch the epoch-window this artifact closes
 * @param modelConfig the {@link ModelSpec} that shaped the weights
 * @param files every file of the epoch folder but the manifest, with size and sha256
 * @param stableModel the stable key's object version holding the same weights, or null when the
 *     bucket is not used in versioned mode
 * @param sampleCount samples trained in this epoch-window
 * @param optimizerSteps optimizer steps since the run started (Adam's step count)
 * @param kafkaOffsets per {@code "topic-partition"}, the first and last offset trained on in this
 *     epoch-window (inclusive)
 * @param eventTime event-time range of the window's samples, or null when none carried one
 * @param attempt the run's lineage (1 as first started, higher after each rollback); 0 when read
 *     from a manifest of an older build, which means 1
 * @param createdAt ISO-8601 instant (UTC) at which the writer started
 * @param eventTimeLagMillis freshness: the wall-clock time at which the window closed minus the newest
 *     event time trained in it; null when the window's samples carried no event time (and in
 *     manifests of older builds)
 * @param device the device the window trained on, as DJL names it ({@code cpu()}, {@code gpu(0)});
 *     null in manifests of older builds
 * @param resume what continuing training from this artifact needs beyond the files (next offsets,
 *     totals, the divergence guard's running mean); null in manifests of older builds, which are
 *     therefore no restore points
 * @param initFrom the state_dict the run was warm-started from ({@code model.init-from}), so that
 *     lineage spans runs; null when the run started from its seed, and in manifests of older builds
 * @param promoted whether {@code latest} moved to this epoch (store.promote-mode=metric); null when
 *     promotion is not gated (every epoch moves it) and in manifests of older builds
 * @param promotionReason why the epoch was or was not promoted; null with {@code promoted}
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Manifest(
        int schemaVersion,
        String experiment,
        String run,
        String model,
        long epoch,
        ModelConfig modelConfig,
        List<FileEntry> files,
        StableObject stableModel,
        long sampleCount,
        long optimizerSteps,
        Map<String, OffsetRange> kafkaOffsets,
        EventTimeRange eventTime,
        Metrics metrics,
        String flinkJobId,
        int attempt,
        String createdAt,
        Long eventTimeLagMillis,
        String device,
        Resume resume,
        InitFrom initFrom,
        Boolean promoted,
        String promotionReason) {

    public static final int SCHEMA_VERSION = 1;

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    public Manifest {
        Objects.requireNonNull(experiment, "experiment");
        Objects.requireNonNull(run, "run");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(modelConfig, "modelConfig");
        files = List.copyOf(Objects.requireNonNull(files, "files"));
        kafkaOffsets = kafkaOffsets == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(kafkaOffsets));
        Objects.requireNonNull(createdAt, "createdAt");
    }

    /** A manifest of {@link #SCHEMA_VERSION} for one epoch of {@code key}; the rest is set by name. */
    public static Builder builder(RunKey key, long epoch) {
        return new Builder(key, epoch);
    }

    /** The experiment/run/model this manifest belongs to. */
    public RunKey runKey() {
        return new RunKey(experiment, run, model);
    }

    /** The entry for {@code name}, e.g. {@link ArtifactLayout#MODEL_FILE}. */
    public FileEntry file(String name) {
        for (FileEntry f : files) {
            if (f.name().equals(name)) {
                return f;
            }
        }
        throw new IllegalArgumentException("manifest of epoch " + epoch + " lists no file named " + name + "; it has "
                + files.stream().map(FileEntry::name).toList());
    }

    public byte[] toJson() {
        try {
            return JSON.writeValueAsBytes(this);
        } catch (IOException e) {
            throw new IllegalStateException("could not serialise the manifest", e);
        }
    }

    /**
     * @throws IOException when the bytes are not a manifest, or one of a newer schema version
     */
    public static Manifest fromJson(byte[] json) throws IOException {
        Manifest manifest;
        try {
            manifest = JSON.readValue(json, Manifest.class);
        } catch (IOException | RuntimeException e) {
            throw new IOException("not a readable manifest.json: " + e.getMessage(), e);
        }
        if (manifest.schemaVersion() < 1 || manifest.schemaVersion() > SCHEMA_VERSION) {
            throw new IOException("manifest schemaVersion " + manifest.schemaVersion() + " is not supported by"
                    + " this build (reads 1.." + SCHEMA_VERSION + "); upgrade the reader");
        }
        return manifest;
    }

    /** The {@link #kafkaOffsets} key of a partition: {@code "<topic>-<partition>"}. */
    public static String partitionKey(String topic, int partition) {
        return topic + "-" + partition;
    }

    /** A file of the epoch folder, named relative to the manifest. */
    public record FileEntry(String name, long sizeBytes, String sha256) {
        public FileEntry {
            ArtifactLayout.requireName("file name", name);
            Objects.requireNonNull(sha256, "sha256");
        }
    }

    /** One object version of the stable key (versioned buckets). */
    public record StableObject(String uri, String versionId) {}

    /** Offsets trained on in one partition, both inclusive. */
    public record OffsetRange(long first, long last) {
        public OffsetRange {
            if (first > last) {
                throw new IllegalArgumentException("offset range first " + first + " > last " + last);
            }
        }
    }

    /**
     * The trainer's state at the window's close beyond the parameters and optimizer files: with them,
     * the job continues from this artifact exactly as from the checkpoint taken at the window's end.
     * A window closes right after a trained batch, so no sample is pending then; in event-time mode a
     * watermark can close it with a partial batch pending, and {@link #nextOffsets} then points at
     * the first of those samples (they were never trained), so they are read again.
     *
     * @param nextOffsets per {@code "topic-partition"}, the offset after the last sample the trainer
     *     consumed (trained, or dead-lettered by the divergence guard) in this run up to this window
     * @param samplesTotal samples trained in the run up to and including this window
     * @param batchesTotal mini-batches trained in the run up to and including this window
     * @param lossSinceReport sum of batch losses since the last training report
     * @param batchesSinceReport batches since the last training report
     * @param samplesAtLastReport samples trained at the last training report
     * @param guardRunningMean the divergence guard's running mean of accepted batch losses
     * @param guardAcceptedBatches batches the guard has accepted (its warm-up counts them)
     * @param nextWindowEndMillis event-time mode: the exclusive end of the next window; null otherwise
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Resume(
            Map<String, Long> nextOffsets,
            long samplesTotal,
            long batchesTotal,
            double lossSinceReport,
            long batchesSinceReport,
            long samplesAtLastReport,
            double guardRunningMean,
            long guardAcceptedBatches,
            Long nextWindowEndMillis)
            implements Serializable {
        public Resume {
            nextOffsets = nextOffsets == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(nextOffsets));
        }
    }

    /**
     * The parent of a warm-started run: the safetensors files its first weights (and, with {@code
     * model.init-optimizer}, its Adam moments and step) were read from.
     *
     * @param uri the weights file ({@code s3://…/model.safetensors} or {@code file:/…})
     * @param sha256 of the weights file's bytes as read
     * @param optimizerUri the optimizer file, or null when the optimizer started fresh
     * @param optimizerSha256 of the optimizer file's bytes, or null
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record InitFrom(String uri, String sha256, String optimizerUri, String optimizerSha256)
            implements Serializable {
        public InitFrom {
            Objects.requireNonNull(uri, "uri");
            Objects.requireNonNull(sha256, "sha256");
        }
    }

    /** Smallest and largest event time of the window's samples, epoch milliseconds. */
    public record EventTimeRange(long minMillis, long maxMillis) {}

    /**
     * Training metrics of the window. NaN is written as the string "NaN".
     *
     * @param meanLoss the mean of the window's batch losses
     * @param samplesPerSecond trained samples per second of the window
     * @param holdout the window's holdout rows scored by the model at the window's end; null when the
     *     window had no holdout rows (or evaluation is off, and in manifests of older builds)
     * @param prequential the window's batches each scored before its update; null when evaluation is
     *     off (and in manifests of older builds)
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Metrics(
            double meanLoss, double samplesPerSecond, HoldoutMetrics holdout, PrequentialMetrics prequential) {
        /** Training metrics only, as builds before evaluation wrote them. */
        public Metrics(double meanLoss, double samplesPerSecond) {
            this(meanLoss, samplesPerSecond, null, null);
        }
    }

    /** Builds a {@link Manifest} by name rather than by sixteen positions. */
    public static final class Builder {
        private final RunKey key;
        private final long epoch;
        private ModelConfig modelConfig;
        private List<FileEntry> files = List.of();
        private StableObject stableModel;
        private long sampleCount;
        private long optimizerSteps;
        private Map<String, OffsetRange> kafkaOffsets = Map.of();
        private EventTimeRange eventTime;
        private Metrics metrics;
        private String flinkJobId;
        private int attempt = 1;
        private Instant createdAt;
        private Long eventTimeLagMillis;
        private String device;
        private Resume resume;
        private InitFrom initFrom;
        private Boolean promoted;
        private String promotionReason;

        private Builder(RunKey key, long epoch) {
            this.key = Objects.requireNonNull(key, "key");
            this.epoch = epoch;
        }

        public Builder modelConfig(ModelConfig modelConfig) {
            this.modelConfig = modelConfig;
            return this;
        }

        public Builder files(List<FileEntry> files) {
            this.files = files;
            return this;
        }

        /** Versioned buckets only; null (the default) otherwise. */
        public Builder stableModel(StableObject stableModel) {
            this.stableModel = stableModel;
            return this;
        }

        public Builder sampleCount(long sampleCount) {
            this.sampleCount = sampleCount;
            return this;
        }

        public Builder optimizerSteps(long optimizerSteps) {
            this.optimizerSteps = optimizerSteps;
            return this;
        }

        public Builder kafkaOffsets(Map<String, OffsetRange> kafkaOffsets) {
            this.kafkaOffsets = kafkaOffsets;
            return this;
        }

        public Builder eventTime(EventTimeRange eventTime) {
            this.eventTime = eventTime;
            return this;
        }

        public Builder metrics(Metrics metrics) {
            this.metrics = metrics;
            return this;
        }

        public Builder flinkJobId(String flinkJobId) {
            this.flinkJobId = flinkJobId;
            return this;
        }

        /** The run's lineage; 1 (the default) as first started. */
        public Builder attempt(int attempt) {
            this.attempt = attempt;
            return this;
        }

        public Builder createdAt(Instant createdAt) {
            this.createdAt = createdAt;
            return this;
        }

        /** Freshness at the window's close; null (the default) when unknown. */
        public Builder eventTimeLagMillis(Long eventTimeLagMillis) {
            this.eventTimeLagMillis = eventTimeLagMillis;
            return this;
        }

        /** The device the window trained on; null (the default) when unknown. */
        public Builder device(String device) {
            this.device = device;
            return this;
        }

        /** What a restore from this artifact needs; null (the default) when unknown. */
        public Builder resume(Resume resume) {
            this.resume = resume;
            return this;
        }

        /** The warm start's parent; null (the default) for a run started from its seed. */
        public Builder initFrom(InitFrom initFrom) {
            this.initFrom = initFrom;
            return this;
        }

        /** Whether {@code latest} moved to the epoch, and why; null (the default) when promotion is not gated. */
        public Builder promotion(Boolean promoted, String reason) {
            this.promoted = promoted;
            this.promotionReason = reason;
            return this;
        }

        /** @throws NullPointerException when the model configuration or creation time is missing */
        public Manifest build() {
            Objects.requireNonNull(createdAt, "createdAt");
            return new Manifest(
                    SCHEMA_VERSION,
                    key.experiment(),
                    key.run(),
                    key.model(),
                    epoch,
                    modelConfig,
                    files,
                    stableModel,
                    sampleCount,
                    optimizerSteps,
                    kafkaOffsets,
                    eventTime,
                    metrics,
                    flinkJobId,
                    attempt,
                    createdAt.toString(),
                    eventTimeLagMillis,
                    device,
                    resume,
                    initFrom,
                    promoted,
                    promotionReason);
        }
    }
}
