package dev.streamtrain.rollback;

import dev.streamtrain.store.LatestMover;
import dev.streamtrain.store.LatestPointer;
import java.io.IOException;
import java.net.URI;
import software.amazon.awssdk.services.s3.S3Client;

/** The rollback's object store on S3: HEADs through {@link SnapshotProbe}, {@code latest} through {@link LatestMover}. */
public final class S3RollbackStore implements RollbackStore {
    private final SnapshotProbe probe;
    private final LatestMover latest;

    public S3RollbackStore(S3Client s3) {
        this.probe = new SnapshotProbe(s3);
        this.latest = new LatestMover(s3);
    }

    @Override
    public boolean exists(String s3Uri) {
        return probe.exists(s3Uri);
    }

    @Override
    public LatestPointer pointLatestAt(URI manifestUri) throws IOException {
        return latest.pointAt(manifestUri);
    }
}
