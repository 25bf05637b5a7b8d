package dev.streamtrain.store;

import java.io.Serializable;
import java.net.URI;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.regex.Pattern;

/**
 * The object layout of model artifacts (docs/object-layout.md):
 *
 * <pre>
 * s3://&lt;bucket&gt;/&lt;experiment&gt;/&lt;run&gt;/&lt;model&gt;/epoch-NNNNNN/model.safetensors
 *                                             /epoch-NNNNNN/optimizer.safetensors
 *                                             /epoch-NNNNNN/manifest.json   (written last: the commit marker)
 * s3://&lt;bucket&gt;/&lt;experiment&gt;/&lt;run&gt;/&lt;model&gt;/latest                 (JSON pointer to the newest committed epoch)
 * s3://&lt;bucket&gt;/&lt;experiment&gt;/&lt;run&gt;/&lt;model&gt;/model.safetensors      (versioned buckets: one version per epoch)
 * </pre>
 *
 * <p>Experiment, run and model names are limited to letters, digits, '.', '_' and '-' (and may
 * not be "." or ".."), so that keys never gain or lose a path level and never need escaping.
 * Epochs are zero-padded to six digits so that listings sort in epoch order; epochs beyond
 * 999999 would need a new contract version and are refused.
 *
 * <p>Immutable, serializable (Flink ships it to operators) and thread-safe.
 */
public final class ArtifactLayout implements Serializable {

    private static final long serialVersionUID = 1L;

    public static final String MODEL_FILE = "model.safetensors";
    public static final String OPTIMIZER_FILE = "optimizer.safetensors";
    public static final String MANIFEST_FILE = "manifest.json";
    public static final String LATEST_POINTER = "latest";
    public static final long MAX_EPOCH = 999_999L;

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,128}");
    // S3's bucket naming rules (lower case, 3-63 chars, no leading/trailing dot or dash)
    private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");
    private static final Pattern EPOCH_FOLDER = Pattern.compile("epoch-(\\d{6})");

    private final String bucket;
    private final String experiment;
    private final String run;
    private final String model;

    public ArtifactLayout(String bucket, RunKey key) {
        this.bucket = requireBucket(bucket);
        this.experiment = key.experiment();
        this.run = key.run();
        this.model = key.model();
    }

    public ArtifactLayout(String bucket, String experiment, String run, String model) {
        this(bucket, new RunKey(experiment, run, model));
    }

    public String bucket() {
        return bucket;
    }

    /** The experiment/run/model this layout names the objects of. */
    public RunKey key() {
        return new RunKey(experiment, run, model);
    }

    public String experiment() {
        return experiment;
    }

    public String run() {
        return run;
    }

    public String model() {
        return model;
    }

    /** {@code <experiment>/<run>/<model>/}, the key prefix of everything this layout names. */
    public String modelPrefix() {
        return key() + "/";
    }

    /** {@code epoch-000042}. */
    public static String epochFolderName(long epoch) {
        if (epoch < 0 || epoch > MAX_EPOCH) {
            throw new IllegalArgumentException(
                    "epoch must be in [0, " + MAX_EPOCH + "] (six digits in the object layout)," + " got " + epoch);
        }
        return String.format("epoch-%06d", epoch);
    }

    /** The epoch of a folder name like {@code epoch-000042}, or empty for any other name. */
    public static OptionalLong parseEpochFolder(String folderName) {
        var m = EPOCH_FOLDER.matcher(folderName);
        return m.matches() ? OptionalLong.of(Long.parseLong(m.group(1))) : OptionalLong.empty();
    }

    /** {@code <experiment>/<run>/<model>/epoch-NNNNNN/}. */
    public String epochPrefix(long epoch) {
        return modelPrefix() + epochFolderName(epoch) + "/";
    }

    public String modelKey(long epoch) {
        return epochPrefix(epoch) + MODEL_FILE;
    }

    public String optimizerKey(long epoch) {
        return epochPrefix(epoch) + OPTIMIZER_FILE;
    }

    public String manifestKey(long epoch) {
        return epochPrefix(epoch) + MANIFEST_FILE;
    }

    public String latestKey() {
        return modelPrefix() + LATEST_POINTER;
    }

    /** The key that versioned buckets keep one version per epoch of. */
    public String stableModelKey() {
        return modelPrefix() + MODEL_FILE;
    }

    /** {@code s3://<bucket>/<key>}. */
    public URI uri(String key) {
        return URI.create("s3://" + bucket + "/" + key);
    }

    /** A file next to the manifest at {@code manifestUri} (same folder). */
    public static URI sibling(URI manifestUri, String fileName) {
        requireName("file name", fileName);
        String path = manifestUri.getPath();
        return URI.create(manifestUri.getScheme() + "://" + manifestUri.getAuthority()
                + path.substring(0, path.lastIndexOf('/') + 1) + fileName);
    }

    static String requireName(String what, String value) {
        if (value == null || !NAME.matcher(value).matches() || value.equals(".") || value.equals("..")) {
            throw new IllegalArgumentException(what + " must be 1-128 letters, digits, '.', '_' or '-' (and not '.' or"
                    + " '..'), got '" + value + "'");
        }
        return value;
    }

    private static String requireBucket(String value) {
        if (value == null || !BUCKET.matcher(value).matches() || value.contains("..")) {
            throw new IllegalArgumentException(
                    "bucket must follow S3's naming rules (3-63 lower-case letters, digits, '.'"
                            + " or '-', starting and ending with a letter or digit), got '"
                            + value + "'");
        }
        return value;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ArtifactLayout other
                && bucket.equals(other.bucket)
                && experiment.equals(other.experiment)
                && run.equals(other.run)
                && model.equals(other.model);
    }

    @Override
    public int hashCode() {
        return Objects.hash(bucket, experiment, run, model);
    }

    @Override
    public String toString() {
        return "s3://" + bucket + "/" + modelPrefix();
    }
}
