package dev.streamtrain.store;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Reads committed artifacts back (the {@code fetch} CLI, tests): the manifest, the {@code latest}
 * pointer, and every file verified against the manifest's size and sha256.
 *
 * <p>Uses the AWS SDK rather than Flink's FileSystem: the CLI runs without a Flink configuration,
 * and a reader independent of the writer's code path is a real check of what landed in the
 * bucket. Thread-safe (the {@link S3Client} is; nothing else is shared). The caller owns the client.
 */
public final class ArtifactReader {

    private final S3Client s3;
    private final String bucket;

    /** @param bucket the bucket {@link #readLatest} looks in; manifest URIs carry their own */
    public ArtifactReader(S3Client s3, String bucket) {
        this.s3 = Objects.requireNonNull(s3, "s3");
        this.bucket = Objects.requireNonNull(bucket, "bucket");
    }

    /** The {@code latest} pointer of a model, naming its newest committed epoch. */
    public LatestPointer readLatest(RunKey key) throws IOException {
        ArtifactLayout layout = new ArtifactLayout(bucket, key);
        URI uri = layout.uri(layout.latestKey());
        byte[] json = get(uri, "no committed artifact yet: ");
        return LatestPointer.fromJson(json);
    }

    /**
     * The manifest the pointer names, checked against the pointer's sha256 (a manifest replaced
     * after the pointer was written is reported rather than silently used).
     */
    public Manifest readManifest(LatestPointer pointer) throws IOException {
        byte[] json = get(pointer.manifest(), "the 'latest' pointer names a missing manifest: ");
        verify(
                pointer.manifest(),
                ArtifactLayout.MANIFEST_FILE,
                -1,
                pointer.manifestSha256(),
                json.length,
                HashingOutputStream.sha256Hex(json));
        return Manifest.fromJson(json);
    }

    /** The manifest at {@code s3://bucket/…/epoch-NNNNNN/manifest.json}. */
    public Manifest readManifest(URI manifestUri) throws IOException {
        return Manifest.fromJson(get(manifestUri, "no manifest (the epoch is not committed, or the URI is wrong): "));
    }

    /**
     * Downloads the manifest and every file it lists into {@code targetDir}, verifying each
     * file's size and sha256 while it streams. A file only appears under its own name once
     * verified; a mismatch deletes the partial download.
     *
     * @throws ArtifactVerificationException naming the file whose bytes do not match
     */
    public FetchedArtifact fetch(URI manifestUri, Path targetDir) throws IOException {
        byte[] manifestJson = get(manifestUri, "no manifest (the epoch is not committed, or the URI is wrong): ");
        Manifest manifest = Manifest.fromJson(manifestJson);
        Files.createDirectories(targetDir);
        Map<String, Path> files = new LinkedHashMap<>();
        for (Manifest.FileEntry entry : manifest.files()) {
            URI uri = ArtifactLayout.sibling(manifestUri, entry.name());
            files.put(entry.name(), download(uri, entry, targetDir.resolve(entry.name())));
        }
        Path manifestPath = targetDir.resolve(ArtifactLayout.MANIFEST_FILE);
        Files.write(manifestPath, manifestJson);
        files.put(ArtifactLayout.MANIFEST_FILE, manifestPath);
        return new FetchedArtifact(manifestUri, manifest, targetDir, files);
    }

    /**
     * One file of the epoch whose manifest is {@code manifest} (at {@code manifestUri}), in memory,
     * verified against the manifest's size and sha256 (the {@code serve} command: no disk copy).
     *
     * @throws ArtifactVerificationException when the bytes do not match the manifest
     */
    public byte[] readVerified(URI manifestUri, Manifest manifest, String name) throws IOException {
        Manifest.FileEntry entry = manifest.file(name);
        URI uri = ArtifactLayout.sibling(manifestUri, name);
        byte[] bytes = get(uri, name + " is listed in the manifest but missing from the bucket: ");
        verify(uri, name, entry.sizeBytes(), entry.sha256(), bytes.length, HashingOutputStream.sha256Hex(bytes));
        return bytes;
    }

    /** Any object, e.g. a safetensors file named by {@code model.init-from}, unverified. */
    public byte[] readObject(URI uri) throws IOException {
        return get(uri, "no such object: ");
    }

    private Path download(URI uri, Manifest.FileEntry entry, Path target) throws IOException {
        Path partial = target.resolveSibling(target.getFileName() + ".part");
        MessageDigest sha256 = HashingOutputStream.newSha256();
        long bytes;
        try (InputStream in = new DigestInputStream(open(uri), sha256);
                OutputStream out = Files.newOutputStream(partial)) {
            bytes = in.transferTo(out);
        } catch (FileNotFoundException e) {
            Files.deleteIfExists(partial);
            throw new FileNotFoundException(
                    entry.name() + " is listed in the manifest but missing" + " from the bucket: " + uri);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(partial);
            throw e;
        }
        String actual = HexFormat.of().formatHex(sha256.digest());
        try {
            verify(uri, entry.name(), entry.sizeBytes(), entry.sha256(), bytes, actual);
        } catch (ArtifactVerificationException e) {
            Files.deleteIfExists(partial);
            throw e;
        }
        return Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void verify(
            URI uri, String name, long expectedBytes, String expectedSha256, long actualBytes, String actualSha256)
            throws ArtifactVerificationException {
        boolean sizeOk = expectedBytes < 0 || expectedBytes == actualBytes;
        if (!sizeOk || !expectedSha256.equalsIgnoreCase(actualSha256)) {
            throw new ArtifactVerificationException(
                    uri,
                    name,
                    expectedBytes < 0 ? actualBytes : expectedBytes,
                    actualBytes,
                    expectedSha256,
                    actualSha256);
        }
    }

    private byte[] get(URI uri, String missingMessage) throws IOException {
        try (InputStream in = open(uri)) {
            return in.readAllBytes();
        } catch (FileNotFoundException e) {
            throw new FileNotFoundException(missingMessage + uri);
        }
    }

    private InputStream open(URI uri) throws IOException {
        if (!"s3".equals(uri.getScheme())
                || uri.getAuthority() == null
                || uri.getPath().length() < 2) {
            throw new IllegalArgumentException("expected s3://<bucket>/<key>, got " + uri);
        }
        String objectBucket = uri.getAuthority();
        String key = uri.getPath().substring(1);
        try {
            return s3.getObject(b -> b.bucket(objectBucket).key(key));
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                throw new FileNotFoundException(uri + " does not exist");
            }
            throw new IOException("could not read " + uri + ": " + e.getMessage(), e);
        } catch (SdkException e) {
            throw new IOException("could not read " + uri + ": " + e.getMessage(), e);
        }
    }
}
