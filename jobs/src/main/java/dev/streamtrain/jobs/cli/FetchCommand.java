package dev.streamtrain.jobs.cli;

import dev.streamtrain.events.CheckpointEvent;
import dev.streamtrain.store.ArtifactLayout;
import dev.streamtrain.store.ArtifactReader;
import dev.streamtrain.store.ArtifactVerificationException;
import dev.streamtrain.store.FetchedArtifact;
import dev.streamtrain.store.LatestPointer;
import dev.streamtrain.store.RunKey;
import dev.streamtrain.store.S3Clients;
import dev.streamtrain.store.S3Endpoint;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/** Downloads one epoch's artifact and verifies every file against the manifest's sha256. */
@Command(
        name = "fetch",
        mixinStandardHelpOptions = true,
        description = {
            "Download an epoch's artifact and verify every sha256 against its manifest.",
            "Name it by --manifest URI, by --event (a checkpoint event JSON file, - for stdin), or by",
            "--bucket/--experiment/--run/--model with --epoch N or --latest.",
            "Exit codes: 0 verified, 2 usage, configuration or S3 access problem, 3 verification failed",
            "(the message names the file), 4 not found (no such epoch, no 'latest', deleted by retention)."
        })
final class FetchCommand implements Callable<Integer> {
    @Option(names = "--manifest", description = "s3://…/epoch-NNNNNN/manifest.json")
    URI manifest;

    @Option(names = "--event", description = "a checkpoint event JSON file, or - for stdin")
    String event;

    @Option(names = "--bucket")
    String bucket;

    @Option(names = "--experiment")
    String experiment;

    @Option(names = "--run")
    String run;

    @Option(names = "--model")
    String model;

    @Option(names = "--epoch")
    Long epoch;

    @Option(names = "--latest", description = "the epoch the 'latest' pointer names")
    boolean latest;

    @Option(names = "--out", description = "target folder (default: ./<experiment>-<run>-<model>-epoch-NNNNNN)")
    Path out;

    @Mixin
    S3Options s3Options = new S3Options();

    @Mixin
    Console console;

    @Override
    public Integer call() throws IOException {
        S3Endpoint s3 = s3Options.resolve();
        if (s3 == null) {
            return console.usage(S3Options.MISSING);
        }
        try (S3Client client = S3Clients.create(s3)) {
            URI manifestUri = resolveManifest(client);
            ArtifactReader reader = new ArtifactReader(client, manifestUri.getHost());
            var m = reader.readManifest(manifestUri);
            Path target = out != null
                    ? out
                    : Path.of(m.experiment() + "-" + m.run() + "-" + m.model() + "-"
                            + ArtifactLayout.epochFolderName(m.epoch()));
            FetchedArtifact fetched = reader.fetch(manifestUri, target);
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("manifestUri", manifestUri.toString());
            result.put("epoch", m.epoch());
            result.put("directory", fetched.directory().toAbsolutePath().toString());
            List<Map<String, Object>> files = new ArrayList<>();
            for (var f : m.files()) {
                files.add(Map.of(
                        "name",
                        f.name(),
                        "path",
                        fetched.files().get(f.name()).toAbsolutePath().toString(),
                        "sizeBytes",
                        f.sizeBytes(),
                        "sha256",
                        f.sha256(),
                        "verified",
                        true));
            }
            result.put("files", files);
            console.json(result);
            console.say("epoch " + m.epoch() + " verified into " + fetched.directory());
            return Console.OK;
        } catch (ArtifactVerificationException e) {
            return console.fail(Console.CHECK_FAILED, "verification failed: " + e.getMessage());
        } catch (FileNotFoundException | NoSuchKeyException | NotFound e) {
            return console.fail(Console.NOT_FOUND, "not found: " + e.getMessage());
        } catch (IllegalArgumentException e) {
            return console.usage(e.getMessage());
        } catch (IOException | SdkException e) {
            if (refused(e)) {
                // the SDK says only "Forbidden": say which credentials and where to change them
                return console.usage(
                        "S3 at " + s3.endpoint() + " refused access key '" + s3.accessKey() + "' (HTTP 403): check the"
                                + " credentials (--access-key/--secret-key or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY) and that"
                                + " they may read the artifact (" + e.getMessage() + ")");
            }
            // an unreadable --event file, an unreachable endpoint, an unwritable --out
            return console.usage(e.getMessage());
        }
    }

    private static boolean refused(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof S3Exception s3 && s3.statusCode() == 403) {
                return true;
            }
        }
        return false;
    }

    /** The artifact is known to be gone (an epoch-deleted event). */
    private static final class NotFound extends IOException {
        private static final long serialVersionUID = 1L;

        NotFound(String message) {
            super(message);
        }
    }

    private URI resolveManifest(S3Client client) throws IOException {
        int ways = (manifest != null ? 1 : 0) + (event != null ? 1 : 0) + (experiment != null ? 1 : 0);
        if (ways != 1) {
            throw new IllegalArgumentException(
                    "name the artifact one way: --manifest, --event, or --experiment/--run/--model");
        }
        if (experiment == null && (bucket != null || run != null || model != null || epoch != null || latest)) {
            throw new IllegalArgumentException("--bucket/--run/--model/--epoch/--latest go with --experiment, not with "
                    + (manifest != null ? "--manifest" : "--event"));
        }
        if (manifest != null) {
            return manifest;
        }
        if (event != null) {
            byte[] json = event.equals("-") ? console.in().readAllBytes() : Files.readAllBytes(Path.of(event));
            CheckpointEvent e = CheckpointEvent.fromJson(json);
            if (CheckpointEvent.EPOCH_DELETED.equals(e.type())) {
                throw new NotFound(
                        "the event says retention deleted epoch " + e.epoch() + " (" + e.artifactUri() + ")");
            }
            if (e.manifestUri() == null) {
                throw new IllegalArgumentException("the event (" + e.type() + ") names no manifest");
            }
            return URI.create(e.manifestUri());
        }
        if (bucket == null || run == null || model == null || (epoch == null) == !latest) {
            throw new IllegalArgumentException(
                    "with --experiment give --bucket, --run, --model and one of --epoch N / --latest");
        }
        RunKey key = new RunKey(experiment, run, model);
        if (latest) {
            ArtifactReader reader = new ArtifactReader(client, bucket);
            LatestPointer pointer = reader.readLatest(key);
            reader.readManifest(pointer); // checks the manifest against the pointer's sha256
            return pointer.manifest();
        }
        ArtifactLayout layout = new ArtifactLayout(bucket, key);
        return layout.uri(layout.manifestKey(epoch));
    }
}
