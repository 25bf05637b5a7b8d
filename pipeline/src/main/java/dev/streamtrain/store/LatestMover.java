package dev.streamtrain.store;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.URI;
import java.time.Instant;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * Points {@code latest} at an epoch that is already committed — a rollback moves it back to the epoch
 * it restored. The new training attempt moves it forward again as it commits epochs.
 */
public final class LatestMover {
    private final S3Client s3;

    public LatestMover(S3Client s3) {
        this.s3 = s3;
    }

    /**
     * @param manifestUri the epoch's {@code s3://…/epoch-NNNNNN/manifest.json}
     * @return the pointer written
     * @throws FileNotFoundException when the manifest is gone (retention deleted the epoch)
     */
    public LatestPointer pointAt(URI manifestUri) throws IOException {
        String bucket = manifestUri.getHost();
        String key = manifestUri.getPath().substring(1);
        byte[] json;
        try {
            json = s3.getObjectAsBytes(b -> b.bucket(bucket).key(key)).asByteArray();
        } catch (NoSuchKeyException e) {
            throw new FileNotFoundException(manifestUri + " does not exist: the epoch's artifact was deleted");
        } catch (SdkException e) {
            throw new IOException("could not read " + manifestUri + ": " + e.getMessage(), e);
        }
        Manifest m = Manifest.fromJson(json);
        ArtifactLayout layout = new ArtifactLayout(bucket, m.runKey());
        LatestPointer pointer = LatestPointer.of(
                m.runKey(), m.epoch(), manifestUri, HashingOutputStream.sha256Hex(json), Instant.now());
        try {
            s3.putObject(b -> b.bucket(bucket).key(layout.latestKey()), RequestBody.fromBytes(pointer.toJson()));
        } catch (SdkException e) {
            throw new IOException("could not write " + layout.uri(layout.latestKey()) + ": " + e.getMessage(), e);
        }
        return pointer;
    }
}
