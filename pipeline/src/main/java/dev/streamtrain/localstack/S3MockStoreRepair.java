package dev.streamtrain.localstack;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rebuilds the {@code versions.json} of an object that s3mock left empty: stopped while it was
 * rewriting one (an outage test stops it while the job writes), it refuses to start again with
 * "Could not read object versions-file". The versions are the object's metadata files, oldest
 * first, as s3mock lists them.
 */
final class S3MockStoreRepair {
    private static final Logger LOG = LoggerFactory.getLogger(S3MockStoreRepair.class);
    private static final String VERSIONS = "versions.json";
    private static final String METADATA = "-objectMetadata.json";

    private S3MockStoreRepair() {}

    /** Repairs every empty versions file under the store root; returns how many it rebuilt. */
    static int repair(Path storeRoot) throws IOException {
        if (!Files.isDirectory(storeRoot)) {
            return 0;
        }
        List<Path> empty;
        try (Stream<Path> files = Files.walk(storeRoot, 3)) {
            empty = files.filter(p -> p.getFileName().toString().equals(VERSIONS))
                    .filter(S3MockStoreRepair::isEmpty)
                    .toList();
        }
        for (Path versions : empty) {
            rebuild(versions);
        }
        return empty.size();
    }

    private static boolean isEmpty(Path file) {
        try {
            return Files.size(file) == 0;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void rebuild(Path versionsFile) throws IOException {
        Path object = versionsFile.getParent();
        List<String> versions;
        try (Stream<Path> files = Files.list(object)) {
            versions = files.filter(p -> p.getFileName().toString().endsWith(METADATA))
                    .sorted(Comparator.comparing(S3MockStoreRepair::modified).thenComparing(Path::toString))
                    .map(p -> {
                        String name = p.getFileName().toString();
                        return name.substring(0, name.length() - METADATA.length());
                    })
                    .toList();
        }
        ObjectMapper json = new ObjectMapper();
        ObjectNode node = json.createObjectNode();
        node.put("id", object.getFileName().toString());
        versions.forEach(node.putArray("versions")::add);
        node.put("latestVersion", versions.isEmpty() ? null : versions.get(versions.size() - 1));
        Files.writeString(versionsFile, json.writeValueAsString(node));
        LOG.warn(
                "s3mock left {} empty (stopped while writing it); rebuilt it with versions {}", versionsFile, versions);
    }

    private static long modified(Path p) {
        try {
            return Files.getLastModifiedTime(p).toMillis();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
