package dev.streamtrain.localstack;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/** A properties file that holds a secret (a server's S3 secret key, key store password). */
final class OwnerOnlyFile {
    private OwnerOnlyFile() {}

    /** Writes {@code p} and leaves the file readable by the owner only. */
    static void write(Path file, Properties p) throws IOException {
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            p.store(w, null);
        }
        file.toFile().setReadable(false, false);
        file.toFile().setReadable(true, true);
    }
}
