package dev.streamtrain.store;

import dev.streamtrain.localstack.S3Endpoint;
import java.io.Serializable;
import java.util.Objects;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Where and how the trainer writes its epoch artifacts. {@code s3} (endpoint and credentials for
 * the AWS SDK) is needed only in versioned-bucket mode, for the stable key's versionId.
 */
public record ArtifactSettings(String bucket, RunKey key, boolean versioned, S3Endpoint s3)
        implements Serializable {
    public ArtifactSettings {
        Objects.requireNonNull(key, "key");
        if (versioned && s3 == null) {
            throw new IllegalArgumentException("versioned-bucket mode needs the S3 endpoint and credentials "
                    + "(s3.endpoint, s3.access-key, s3.secret-key or AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)");
        }
    }

    /** The three names given apart; kept for callers that predate {@link RunKey}. */
    public ArtifactSettings(String bucket, String experiment, String run, String model, boolean versioned,
                            S3Endpoint s3) {
        this(bucket, new RunKey(experiment, run, model), versioned, s3);
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
        return versioned ? new ArtifactWriter(layout(), client) : new ArtifactWriter(layout());
    }

    public S3Client clientOrNull() {
        return versioned ? S3Clients.create(s3) : null;
    }
}
