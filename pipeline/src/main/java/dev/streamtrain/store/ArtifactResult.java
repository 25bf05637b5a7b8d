package dev.streamtrain.store;

import java.net.URI;
import java.util.Objects;

/**
 * What {@link ArtifactWriter#write} committed: where every object is, its size and sha256, and
 * (versioned mode) the versionId the stable key got. The checkpoint event is built from this.
 *
 * @param model the epoch's {@code model.safetensors}
 * @param optimizer the epoch's {@code optimizer.safetensors}
 * @param manifestFile the epoch's {@code manifest.json}, the commit marker
 * @param latestUri the {@code latest} pointer (not moved when a newer epoch already had it)
 * @param stableModel the stable key and the version holding this epoch's weights, or null when not
 *     in versioned mode
 * @param bytesWritten sum of all objects written (weights, optimizer, manifest, pointer; the
 *     server-side copy to the stable key is not counted)
 * @param millis wall time of the whole write
 */
public record ArtifactResult(
        long epoch,
        StoredObject model,
        StoredObject optimizer,
        StoredObject manifestFile,
        URI latestUri,
        Manifest.StableObject stableModel,
        long bytesWritten,
        long millis,
        Manifest manifest) {

    /** One object the writer stored, with what it measured while streaming it out. */
    public record StoredObject(URI uri, long bytes, String sha256) {
        public StoredObject {
            Objects.requireNonNull(uri, "uri");
            Objects.requireNonNull(sha256, "sha256");
        }
    }

    public ArtifactResult {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(optimizer, "optimizer");
        Objects.requireNonNull(manifestFile, "manifestFile");
        Objects.requireNonNull(manifest, "manifest");
    }

    public URI modelUri() {
        return model.uri();
    }

    public long modelBytes() {
        return model.bytes();
    }

    public String modelSha256() {
        return model.sha256();
    }

    public URI optimizerUri() {
        return optimizer.uri();
    }

    public long optimizerBytes() {
        return optimizer.bytes();
    }

    public String optimizerSha256() {
        return optimizer.sha256();
    }

    public URI manifestUri() {
        return manifestFile.uri();
    }

    public String manifestSha256() {
        return manifestFile.sha256();
    }

    /** The stable key, or null when not in versioned mode. */
    public URI stableModelUri() {
        return stableModel == null ? null : URI.create(stableModel.uri());
    }

    /** The stable key's version holding this epoch's weights, or null when not in versioned mode. */
    public String versionId() {
        return stableModel == null ? null : stableModel.versionId();
    }

    /** {@code s3://<bucket>/<experiment>/<run>/<model>/epoch-NNNNNN/}, the folder of the epoch. */
    public String folderUri() {
        String manifestUri = manifestUri().toString();
        return manifestUri.substring(0, manifestUri.lastIndexOf('/') + 1);
    }
}
