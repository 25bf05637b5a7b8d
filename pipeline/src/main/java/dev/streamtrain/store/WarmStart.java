package dev.streamtrain.store;

import dev.streamtrain.trainer.ModelSpec;
import dev.streamtrain.trainer.TrainerState;
import java.io.IOException;
import java.io.Serializable;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * {@code model.init-from}: the state a fresh run starts from instead of its seed's random weights,
 * and the parent its manifests name. Read and checked where the job is built (before submission), and
 * shipped to the trainer inside its settings, as {@code restore.from-artifact}'s state is.
 *
 * @param state the weights, with fresh optimizer state or the parent's (model.init-optimizer)
 * @param parent the files it came from and their sha256s
 */
public record WarmStart(TrainerState state, Manifest.InitFrom parent) implements Serializable {
    private static final long serialVersionUID = 1L;

    public WarmStart {
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(parent, "parent");
    }

    /** The parent of {@code warmStart}, or null when there is none. */
    public static Manifest.InitFrom parentOf(WarmStart warmStart) {
        return warmStart == null ? null : warmStart.parent();
    }

    /**
     * The weights file {@code location} names: a {@code .safetensors} file as is; an epoch folder
     * (with or without its {@code manifest.json}) as its {@code model.safetensors}. A local path
     * becomes a {@code file:} URI.
     */
    public static URI modelUri(String location) {
        String l = location.strip();
        URI uri = l.startsWith("s3://")
                ? URI.create(l)
                : Path.of(l).toAbsolutePath().normalize().toUri();
        String path = uri.getPath();
        if (path.endsWith(".safetensors")) {
            return uri;
        }
        if (path.endsWith("/" + ArtifactLayout.MANIFEST_FILE)) {
            return uri.resolve(ArtifactLayout.MODEL_FILE);
        }
        String folder = uri.toString();
        return URI.create(
                folder.endsWith("/") ? folder + ArtifactLayout.MODEL_FILE : folder + "/" + ArtifactLayout.MODEL_FILE);
    }

    /**
     * Reads the files {@code location} names and checks them against {@code spec}.
     *
     * @param withOptimizer also read {@code optimizer.safetensors} next to the weights (its moments
     *     and step); false: fresh optimizer state
     * @param s3 reads {@code s3://} locations; null when the job has no S3 endpoint (a local path still works)
     * @throws StateDictMismatchException listing every missing, unexpected and misshapen tensor
     * @throws IOException when a file is missing or unreadable
     */
    public static WarmStart load(ModelSpec spec, String location, boolean withOptimizer, ArtifactReader s3)
            throws IOException {
        URI modelUri = modelUri(location);
        URI optimizerUri = withOptimizer ? modelUri.resolve(ArtifactLayout.OPTIMIZER_FILE) : null;
        byte[] model = read(modelUri, s3);
        byte[] optimizer = optimizerUri == null ? null : read(optimizerUri, s3);
        TrainerState state = WarmStartState.build(spec, modelUri.toString(), model, optimizer);
        return new WarmStart(
                state,
                new Manifest.InitFrom(
                        modelUri.toString(),
                        HashingOutputStream.sha256Hex(model),
                        optimizerUri == null ? null : optimizerUri.toString(),
                        optimizer == null ? null : HashingOutputStream.sha256Hex(optimizer)));
    }

    private static byte[] read(URI uri, ArtifactReader s3) throws IOException {
        if ("s3".equals(uri.getScheme())) {
            if (s3 == null) {
                throw new IOException("cannot read " + uri + ": the job has no S3 endpoint and credentials"
                        + " (s3.endpoint, s3.access-key, s3.secret-key or AWS_*)");
            }
            return s3.readObject(uri);
        }
        try {
            return Files.readAllBytes(Path.of(uri));
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(uri + " does not exist");
        }
    }
}
