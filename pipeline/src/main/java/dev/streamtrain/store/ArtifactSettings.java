package dev.streamtrain.store;

import java.io.Serializable;
import java.time.Clock;
import java.util.Objects;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Where and how the trainer writes its epoch artifacts. {@code s3} (endpoint and credentials for
 * the AWS SDK) is needed only in versioned-bucket mode, for the stable key's versionId.
 */
public record ArtifactSettings(String bucket, RunKey key, boolean versioned, S3Endpoint s3) implements Serializable {
    public ArtifactSettings {
        Objects.requireNonNull(key, "key");
        if (versioned && s3 == null) {
            throw new IllegalArgumentException(
                    "versioned-bucket mode needs the S3 endpoint and credentials "
                            + "(s3.endpoint, s3.access-key, s3.secret-key or AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)");
        }
    }

    public String experiment() {
        return key.experiment();
    }

    public String run() {
        return key.run();
    }

    public String model() {
        return key.model();
    }

    public ArtifactLayout layout() {
        return new ArtifactLayout(bucket, key);
    }

    /** A writer, and the SDK client it uses (null unless versioned), both for the caller to close. */
    public ArtifactWriter writer(S3Client client) {
        return writer(client, ObjectSink.FLINK_FILE_SYSTEM);
    }

    /** A writer that puts the epoch folders into {@code sink}; the stable key (versioned) still goes through {@code client}. */
    public ArtifactWriter writer(S3Client client, ObjectSink sink) {
        if (versioned) {
            Objects.requireNonNull(client, "versioned mode needs the S3 client");
        }
        return new ArtifactWriter(layout(), versioned ? client : null, sink, Clock.systemUTC());
    }

    /** Removes epoch folders from {@code sink} (retention). */
    public ArtifactDeleter deleter(ObjectSink sink) {
        return new ArtifactDeleter(layout(), sink);
    }

    public S3Client clientOrNull() {
        return versioned ? S3Clients.create(s3) : null;
    }
}
