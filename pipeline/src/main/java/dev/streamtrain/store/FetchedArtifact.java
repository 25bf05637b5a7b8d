package dev.streamtrain.store;

import java.net.URI;
import java.nio.file.Path;
import java.util.Map;

/**
 * An artifact downloaded by {@link ArtifactReader#fetch} with every file verified.
 *
 * @param files file name (as in the manifest, plus {@code manifest.json}) → local path
 */
public record FetchedArtifact(URI manifestUri, Manifest manifest, Path directory, Map<String, Path> files) {
    public FetchedArtifact {
        files = Map.copyOf(files);
    }
}
