package dev.streamtrain.store;

import java.io.IOException;
import java.net.URI;

/** A downloaded artifact file does not match the size or sha256 its manifest records. */
public final class ArtifactVerificationException extends IOException {
    private static final long serialVersionUID = 1L;

    private final String fileName;
    private final String expectedSha256;
    private final String actualSha256;

    ArtifactVerificationException(
            URI uri,
            String fileName,
            long expectedBytes,
            long actualBytes,
            String expectedSha256,
            String actualSha256) {
        super(fileName + " (" + uri + ") does not match its manifest: expected " + expectedBytes
                + " bytes with sha256 " + expectedSha256 + ", got " + actualBytes
                + " bytes with sha256 " + actualSha256 + ". The file was corrupted or replaced"
                + " after the epoch was committed; do not use this artifact");
        this.fileName = fileName;
        this.expectedSha256 = expectedSha256;
        this.actualSha256 = actualSha256;
    }

    public String fileName() {
        return fileName;
    }

    public String expectedSha256() {
        return expectedSha256;
    }

    public String actualSha256() {
        return actualSha256;
    }
}
