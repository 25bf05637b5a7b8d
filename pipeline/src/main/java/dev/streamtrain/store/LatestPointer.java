package dev.streamtrain.store;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.time.Instant;
import java.util.Objects;

/**
 * The {@code <experiment>/<run>/<model>/latest} object: names the newest committed epoch and its
 * manifest, with the manifest's sha256 so that a reader following the pointer can tell a
 * manifest that was replaced after the pointer was written.
 *
 * @param manifestUri {@code s3://<bucket>/<experiment>/<run>/<model>/epoch-NNNNNN/manifest.json}
 * @param committedAt ISO-8601 instant (UTC) at which the manifest was written
 */
public record LatestPointer(
        int schemaVersion,
        String experiment,
        String run,
        String model,
        long epoch,
        String manifestUri,
        String manifestSha256,
        String committedAt) {

    public static final int SCHEMA_VERSION = 1;

    private static final ObjectMapper JSON =
            new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    public LatestPointer {
        Objects.requireNonNull(manifestUri, "manifestUri");
        Objects.requireNonNull(manifestSha256, "manifestSha256");
    }

    /** A pointer of {@link #SCHEMA_VERSION} at the committed {@code epoch} of {@code key}. */
    public static LatestPointer of(
            RunKey key, long epoch, URI manifestUri, String manifestSha256, Instant committedAt) {
        return new LatestPointer(
                SCHEMA_VERSION,
                key.experiment(),
                key.run(),
                key.model(),
                epoch,
                manifestUri.toString(),
                manifestSha256,
                committedAt.toString());
    }

    public URI manifest() {
        return URI.create(manifestUri);
    }

    public byte[] toJson() {
        try {
            return JSON.writeValueAsBytes(this);
        } catch (IOException e) {
            throw new IllegalStateException("could not serialise the latest pointer", e);
        }
    }

    /** @throws IOException when the bytes are not a pointer, or one of a newer schema version */
    public static LatestPointer fromJson(byte[] json) throws IOException {
        LatestPointer pointer;
        try {
            pointer = JSON.readValue(json, LatestPointer.class);
        } catch (IOException | RuntimeException e) {
            throw new IOException("not a readable 'latest' pointer: " + e.getMessage(), e);
        }
        if (pointer.schemaVersion() < 1 || pointer.schemaVersion() > SCHEMA_VERSION) {
            throw new IOException("'latest' pointer schemaVersion " + pointer.schemaVersion()
                    + " is not supported by this build; upgrade the reader");
        }
        return pointer;
    }
}
