package dev.streamtrain.store;

import dev.streamtrain.store.SafetensorsWriter.Tensor;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CopyObjectResponse;

/**
 * Writes one epoch's artifact in the layout of {@link ArtifactLayout}, through Flink's {@code
 * FileSystem} — the same s3:// filesystem, endpoint and credentials as the checkpoints.
 *
 * <p>Order, which is the commit protocol: an existing {@code manifest.json} of the same epoch is
 * deleted first (a replay after a restore un-commits the folder before replacing its files), then
 * {@code model.safetensors}, {@code optimizer.safetensors}, in versioned mode the stable key,
 * then {@code manifest.json} LAST — a reader that finds no manifest ignores the folder, so a crash
 * at any point leaves either the previous commit or none — and finally the {@code latest}
 * pointer, only for an epoch that is promoted ({@link EpochArtifact#movesLatest}): an epoch the
 * promotion gate held back is written and announced, but {@code latest} keeps naming the promoted one. SHA-256 is computed while the bytes stream out.
 *
 * <p>Versioned mode (store.versioned, a bucket with versioning enabled): the weights are
 * also copied to the stable key {@code <experiment>/<run>/<model>/model.safetensors} with the AWS
 * SDK, because Flink's FileSystem does not expose object versions. The copy is server side (S3's
 * PUT with {@code x-amz-copy-source}): the same bytes, not uploaded twice. Its versionId goes into
 * the manifest and the result. A bucket without versioning answers with no versionId: that fails
 * the write with a message saying to enable versioning.
 *
 * <p>Thread-safety: safe to use from any thread, and from several at once (the async artifact
 * writer calls it off the task thread). The writer is immutable apart from the highest epoch it
 * has pointed {@code latest} at, which is guarded so that two writes finishing out of order
 * never move {@code latest} back to an older epoch. Flink's FileSystem and the AWS {@link
 * S3Client} are thread-safe; digests and buffers are per call.
 */
public final class ArtifactWriter {

    private static final Logger LOG = LoggerFactory.getLogger(ArtifactWriter.class);

    private final ArtifactLayout layout;
    private final S3Client stableKeyClient;
    private final ObjectSink sink;
    private final Clock clock;
    /** The run's warm-start parent, recorded in every manifest; null for a run started from its seed. */
    private final Manifest.InitFrom initFrom;

    private final Object latestLock = new Object();
    private long highestLatestEpoch = -1; // guarded by latestLock

    /** Writes epoch folders and the {@code latest} pointer; no stable key. */
    public ArtifactWriter(ArtifactLayout layout) {
        this(layout, null, ObjectSink.FLINK_FILE_SYSTEM, Clock.systemUTC());
    }

    /**
     * Versioned mode: additionally copies the weights to the stable key with {@code s3} and
     * records the version. The caller owns (and closes) the client.
     */
    public ArtifactWriter(ArtifactLayout layout, S3Client s3) {
        this(layout, Objects.requireNonNull(s3, "s3"), ObjectSink.FLINK_FILE_SYSTEM, Clock.systemUTC());
    }

    ArtifactWriter(ArtifactLayout layout, S3Client stableKeyClient, ObjectSink sink, Clock clock) {
        this(layout, stableKeyClient, sink, clock, null);
    }

    private ArtifactWriter(
            ArtifactLayout layout, S3Client stableKeyClient, ObjectSink sink, Clock clock, Manifest.InitFrom initFrom) {
        this.layout = Objects.requireNonNull(layout, "layout");
        this.stableKeyClient = stableKeyClient;
        this.sink = Objects.requireNonNull(sink, "sink");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.initFrom = initFrom;
    }

    /** A writer whose manifests name {@code parent} as the run's warm start ({@code initFrom}); null: none. */
    public ArtifactWriter withInitFrom(Manifest.InitFrom parent) {
        return new ArtifactWriter(layout, stableKeyClient, sink, clock, parent);
    }

    public ArtifactLayout layout() {
        return layout;
    }

    public boolean versioned() {
        return stableKeyClient != null;
    }

    /**
     * Writes and commits the epoch.
     *
     * @throws IllegalArgumentException when the state does not fit the spec
     * @throws IOException when the object store fails; the epoch is then not committed (no
     *     manifest), though some of its files may exist
     */
    public ArtifactResult write(EpochArtifact artifact) throws IOException {
        TrainerStateTensors.requireMatches(artifact.spec(), artifact.state());
        long start = System.nanoTime();
        long epoch = artifact.epoch();
        Instant createdAt = clock.instant();
        URI manifestUri = layout.uri(layout.manifestKey(epoch));

        if (sink.exists(manifestUri)) {
            sink.delete(manifestUri);
            LOG.info(
                    "{} already existed (a replay after a restore): uncommitted it before" + " rewriting epoch {}",
                    manifestUri,
                    epoch);
        }
        URI modelUri = layout.uri(layout.modelKey(epoch));
        Written model = writeSafetensors(
                modelUri,
                TrainerStateTensors.weights(artifact.state()),
                TrainerStateTensors.weightsMetadata(artifact.spec(), epoch));
        URI optimizerUri = layout.uri(layout.optimizerKey(epoch));
        Written optimizer = writeSafetensors(
                optimizerUri,
                TrainerStateTensors.optimizerTensors(artifact.state()),
                TrainerStateTensors.optimizerMetadata(artifact.spec(), artifact.state()));
        Manifest.StableObject stable = versioned() ? copyToStableKey(epoch) : null;

        Manifest manifest = Manifest.builder(layout.key(), epoch)
                .modelConfig(ModelConfig.of(artifact.spec()))
                .files(List.of(
                        new Manifest.FileEntry(ArtifactLayout.MODEL_FILE, model.bytes, model.sha256),
                        new Manifest.FileEntry(ArtifactLayout.OPTIMIZER_FILE, optimizer.bytes, optimizer.sha256)))
                .stableModel(stable)
                .sampleCount(artifact.sampleCount())
                .optimizerSteps(artifact.state().steps())
                .kafkaOffsets(artifact.kafkaOffsets())
                .eventTime(artifact.eventTime())
                .metrics(artifact.metrics())
                .flinkJobId(artifact.flinkJobId())
                .attempt(artifact.attempt())
                .createdAt(createdAt)
                .eventTimeLagMillis(artifact.eventTimeLagMillis())
                .device(artifact.device())
                .resume(artifact.resume())
                .initFrom(initFrom)
                .promotion(artifact.promoted(), artifact.promotionReason())
                .build();
        byte[] manifestJson = manifest.toJson();
        String manifestSha256 = HashingOutputStream.sha256Hex(manifestJson);
        writeSmall(manifestUri, manifestJson); // the commit

        URI latestUri = layout.uri(layout.latestKey());
        long pointerBytes = 0;
        if (artifact.movesLatest()) {
            pointerBytes = pointLatestAt(epoch, manifestUri, manifestSha256, latestUri);
        } else {
            LOG.info(
                    "{} stays where it is: epoch {} was not promoted ({})",
                    latestUri,
                    epoch,
                    artifact.promotionReason());
        }

        long millis = (System.nanoTime() - start) / 1_000_000;
        long bytes = model.bytes + optimizer.bytes + manifestJson.length + pointerBytes;
        LOG.info(
                "committed epoch {} to {} ({} bytes in {} ms{})",
                epoch,
                manifestUri,
                bytes,
                millis,
                stable == null ? "" : ", stable key version " + stable.versionId());
        return new ArtifactResult(
                epoch,
                model.stored(modelUri),
                optimizer.stored(optimizerUri),
                new ArtifactResult.StoredObject(manifestUri, manifestJson.length, manifestSha256),
                latestUri,
                stable,
                bytes,
                millis,
                manifest);
    }

    private record Written(long bytes, String sha256) {
        ArtifactResult.StoredObject stored(URI uri) {
            return new ArtifactResult.StoredObject(uri, bytes, sha256);
        }
    }

    private Written writeSafetensors(URI uri, List<Tensor> tensors, Map<String, String> metadata) throws IOException {
        HashingOutputStream hashing;
        try (OutputStream out = sink.create(uri)) {
            hashing = new HashingOutputStream(out);
            SafetensorsWriter.write(tensors, metadata, hashing);
        } // closing uploads: only now is the object there
        return new Written(hashing.count(), hashing.sha256Hex());
    }

    private void writeSmall(URI uri, byte[] bytes) throws IOException {
        try (OutputStream out = sink.create(uri)) {
            out.write(bytes);
        }
    }

    /** Writes the pointer unless a newer epoch already got it; returns the bytes written. */
    private long pointLatestAt(long epoch, URI manifestUri, String manifestSha256, URI latestUri) throws IOException {
        synchronized (latestLock) {
            if (epoch < highestLatestEpoch) {
                LOG.info(
                        "not pointing {} back at epoch {}: epoch {} is already committed",
                        latestUri,
                        epoch,
                        highestLatestEpoch);
                return 0;
            }
            byte[] pointer = LatestPointer.of(layout.key(), epoch, manifestUri, manifestSha256, clock.instant())
                    .toJson();
            writeSmall(latestUri, pointer);
            highestLatestEpoch = epoch;
            return pointer.length;
        }
    }

    private Manifest.StableObject copyToStableKey(long epoch) throws IOException {
        String stableKey = layout.stableModelKey();
        CopyObjectResponse response;
        try {
            response = stableKeyClient.copyObject(b -> b.sourceBucket(layout.bucket())
                    .sourceKey(layout.modelKey(epoch))
                    .destinationBucket(layout.bucket())
                    .destinationKey(stableKey));
        } catch (SdkException e) {
            throw new IOException(
                    "could not copy the weights of epoch " + epoch + " to the" + " stable key " + layout.uri(stableKey)
                            + ": " + e.getMessage(),
                    e);
        }
        if (response.versionId() == null || response.versionId().isEmpty() || "null".equals(response.versionId())) {
            throw new IOException("bucket " + layout.bucket() + " returned no object version for "
                    + layout.uri(stableKey) + ": versioning is not enabled on it. Enable it (aws"
                    + " s3api put-bucket-versioning --bucket " + layout.bucket()
                    + " --versioning-configuration Status=Enabled, or mc version enable) or turn"
                    + " versioned mode off");
        }
        return new Manifest.StableObject(layout.uri(stableKey).toString(), response.versionId());
    }
}
