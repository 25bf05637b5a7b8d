package dev.streamtrain.rollback;

import dev.streamtrain.store.LatestPointer;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/**
 * The object store as a rollback uses it: whether snapshots and manifests still exist, and moving
 * {@code latest}. {@link S3RollbackStore} is the S3 one; tests use an in-memory one.
 */
public interface RollbackStore {
    /** Whether the object {@code s3://bucket/key} exists. */
    boolean exists(String s3Uri);

    /** Points the run's {@code latest} at the committed epoch whose manifest is {@code manifestUri}. */
    LatestPointer pointLatestAt(URI manifestUri) throws IOException;

    /** Whether Flink could restore {@code point}: its {@code _metadata} is there. */
    default boolean restorable(RestorePoint point) {
        return exists(point.metadataPath());
    }

    /** The epochs of {@code history} whose checkpoint still restores. */
    default List<Long> restorableEpochs(RunHistory history) {
        List<Long> epochs = new ArrayList<>();
        for (RestorePoint p : history.restorePoints()) {
            if (p.kind() == RestorePoint.Kind.CHECKPOINT && restorable(p)) {
                epochs.add(p.epoch());
            }
        }
        return epochs;
    }
}
