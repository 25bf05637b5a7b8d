package dev.streamtrain.rollback;

import dev.streamtrain.store.ArtifactLayout;
import dev.streamtrain.store.ArtifactReader;
import dev.streamtrain.store.ArtifactVerificationException;
import dev.streamtrain.store.Manifest;
import dev.streamtrain.store.TrainerStateTensors;
import dev.streamtrain.trainer.ModelSpec;
import dev.streamtrain.trainer.TrainerState;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * An epoch artifact read back as a restore point: its manifest (with the {@code resume} block) and
 * the trainer state its files hold, every file verified against the manifest's sha256.
 *
 * @param manifestUri where the manifest was read
 */
public record ArtifactRestorePoint(URI manifestUri, Manifest manifest, TrainerState state) {

    public ArtifactRestorePoint {
        Objects.requireNonNull(manifestUri, "manifestUri");
        Objects.requireNonNull(manifest.resume(), "resume");
        Objects.requireNonNull(state, "state");
    }

    /**
     * The manifest URI of {@code location}: the epoch folder ({@code …/epoch-000042/}, with or
     * without the slash) or its {@code manifest.json}.
     */
    public static URI manifestUri(String location) {
        String l = location.strip();
        if (l.endsWith("/" + ArtifactLayout.MANIFEST_FILE)) {
            return URI.create(l);
        }
        return URI.create(l.endsWith("/") ? l + ArtifactLayout.MANIFEST_FILE : l + "/" + ArtifactLayout.MANIFEST_FILE);
    }

    /**
     * Reads and verifies the artifact at {@code location} for a job of {@code spec}.
     *
     * @throws RestoreRefusedException when the artifact is missing, fails its sha256, predates restore
     *     points, or holds a model of another shape or optimizer; the message says which
     */
    public static ArtifactRestorePoint load(ArtifactReader reader, String location, ModelSpec spec) throws IOException {
        URI uri = manifestUri(location);
        Verified verified = verify(reader, uri);
        Manifest manifest = verified.manifest();
        String what = "epoch " + manifest.epoch() + " (" + uri + ")";
        if (manifest.modelConfig().optimizer() != spec.optimizer()) {
            throw new RestoreRefusedException(what + " holds "
                    + manifest.modelConfig().optimizer() + " state, but the job trains with " + spec.optimizer());
        }
        try {
            TrainerState state = TrainerStateTensors.fromFiles(
                    spec, manifest.optimizerSteps(), verified.model(), verified.optimizer());
            return new ArtifactRestorePoint(uri, manifest, state);
        } catch (IOException e) {
            throw new RestoreRefusedException(
                    "cannot restore from " + what + " into the job's model (" + spec.kind() + " " + spec.inputDim()
                            + "->" + spec.hiddenSizes() + "->" + spec.outputDim() + "): " + e.getMessage());
        }
    }

    /** A manifest with its {@code resume} block and both files, every sha256 checked. */
    public record Verified(Manifest manifest, byte[] model, byte[] optimizer) {}

    /**
     * Reads the manifest at {@code manifestUri} and both files, checking every sha256 (what a rollback
     * checks before it changes anything; the model's shape is the job's to check).
     *
     * @throws RestoreRefusedException when the artifact is missing, fails its sha256 or predates restore points
     */
    public static Verified verify(ArtifactReader reader, URI manifestUri) throws IOException {
        Manifest manifest;
        try {
            manifest = reader.readManifest(manifestUri);
        } catch (FileNotFoundException e) {
            throw new RestoreRefusedException("no epoch artifact at " + manifestUri
                    + " (retention deleted it, or the path is wrong): " + e.getMessage());
        }
        String what = "epoch " + manifest.epoch() + " (" + manifestUri + ")";
        if (manifest.resume() == null) {
            throw new RestoreRefusedException(what + " was written by a build before restore points: its manifest has"
                    + " no 'resume' block (next offsets, totals), so training cannot continue from it exactly");
        }
        try {
            return new Verified(
                    manifest,
                    reader.readVerified(manifestUri, manifest, ArtifactLayout.MODEL_FILE),
                    reader.readVerified(manifestUri, manifest, ArtifactLayout.OPTIMIZER_FILE));
        } catch (ArtifactVerificationException | FileNotFoundException e) {
            throw new RestoreRefusedException("cannot restore from " + what + ": " + e.getMessage());
        }
    }

    public long epoch() {
        return manifest.epoch();
    }

    /** Where the job's Kafka source starts, per {@code "topic-partition"}. */
    public Map<String, Long> nextOffsets() {
        return new LinkedHashMap<>(manifest.resume().nextOffsets());
    }
}
