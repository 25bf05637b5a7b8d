package dev.streamtrain.store;

import java.net.URI;

/**
 * What {@link ArtifactWriter#write} committed: where every object is, its size and sha256, and
 * (versioned mode) the versionId the stable key got. The checkpoint event is built from this.
 *
 * @param stableModelUri the stable key, or null when not in versioned mode
 * @param versionId the stable key's version holding this epoch's weights, or null when not in
 *     versioned mode
 * @param bytesWritten sum of all objects written (weights, optimizer, manifest, pointer; the
 *     server-side copy to the stable key is not counted)
 * @param millis wall time of the whole write
 */
public record ArtifactResult(
        long epoch,
        URI modelUri,
        long modelBytes,
        String modelSha256,
        URI optimizerUri,
        long optimizerBytes,
        String optimizerSha256,
        URI manifestUri,
        String manifestSha256,
        URI latestUri,
        URI stableModelUri,
        String versionId,
        long bytesWritten,
        long millis,
        Manifest manifest) {}
