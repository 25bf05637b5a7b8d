package dev.streamtrain.store;

import java.io.IOException;
import java.net.URI;
import java.util.Objects;

/**
 * Deletes an epoch's artifact through an {@link ObjectSink} (Flink's filesystem in a job): the
 * manifest first, so that a reader never finds a committed folder with missing files, then the
 * rest of the folder.
 */
public final class ArtifactDeleter {
    private final ArtifactLayout layout;
    private final ObjectSink sink;

    /** Through Flink's filesystem. */
    public ArtifactDeleter(ArtifactLayout layout) {
        this(layout, ObjectSink.FLINK_FILE_SYSTEM);
    }

    public ArtifactDeleter(ArtifactLayout layout, ObjectSink sink) {
        this.layout = Objects.requireNonNull(layout, "layout");
        this.sink = Objects.requireNonNull(sink, "sink");
    }

    public void delete(long epoch) throws IOException {
        for (String key :
                new String[] {layout.manifestKey(epoch), layout.modelKey(epoch), layout.optimizerKey(epoch)}) {
            URI uri = layout.uri(key);
            if (sink.exists(uri)) {
                sink.delete(uri);
            }
        }
    }
}
