package dev.streamtrain.rollback;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/** Whether restore points (and the objects they need) still exist in the object store. */
public final class SnapshotProbe {
    private final S3Client s3;

    public SnapshotProbe(S3Client s3) {
        this.s3 = s3;
    }

    /** Whether Flink could restore {@code point}: its {@code _metadata} is there. */
    public boolean restorable(RestorePoint point) {
        return exists(point.metadataPath());
    }

    /** The epochs of {@code history} whose checkpoint still restores. */
    public List<Long> restorableEpochs(RunHistory history) {
        List<Long> epochs = new ArrayList<>();
        for (RestorePoint p : history.restorePoints()) {
            if (p.kind() == RestorePoint.Kind.CHECKPOINT && restorable(p)) {
                epochs.add(p.epoch());
            }
        }
        return epochs;
    }

    /** HEAD of an {@code s3://bucket/key} (not a listing: s3mock still lists objects deleted in a versioned bucket). */
    public boolean exists(String s3Uri) {
        URI uri = URI.create(s3Uri);
        try {
            s3.headObject(b -> b.bucket(uri.getHost()).key(uri.getPath().substring(1)));
            return true;
        } catch (NoSuchKeyException e) {
            return false;
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return false;
            }
            throw e;
        }
    }
}
