package dev.streamtrain.localstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.jar.JarFile;

/** The Main-Class of an executable jar (we start it through {@link ChildMain}, not {@code -jar}). */
final class MainClasses {
    private MainClasses() {}

    static String of(Path jar) {
        try (JarFile f = new JarFile(jar.toFile())) {
            String main = f.getManifest().getMainAttributes().getValue("Main-Class");
            if (main == null) {
                throw new IllegalStateException(jar + " has no Main-Class");
            }
            return main;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + jar, e);
        }
    }
}
