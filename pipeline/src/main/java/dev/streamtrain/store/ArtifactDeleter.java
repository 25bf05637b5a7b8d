package dev.streamtrain.store;

import java.io.IOException;
import org.apache.flink.core.fs.Path;

/**
 * Deletes an epoch's artifact through Flink's filesystem: the manifest first, so that a reader
 * never finds a committed folder with missing files, then the rest of the folder.
 */
public final class ArtifactDeleter {
    private final ArtifactLayout layout;

    public ArtifactDeleter(ArtifactLayout layout) {
        this.layout = layout;
    }

    public void delete(long epoch) throws IOException {
        for (String key : new String[] {layout.manifestKey(epoch), layout.modelKey(epoch), layout.optimizerKey(epoch)}) {
            Path path = new Path(layout.uri(key));
            if (path.getFileSystem().exists(path)) {
                path.getFileSystem().delete(path, false);
            }
        }
    }
}
