package dev.streamtrain.jobs.cluster;

import dev.streamtrain.localstack.ChildMain;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/** The jar that lets attached cluster processes halt with the JVM that started them. */
final class WatchdogJar {
    private WatchdogJar() {}

    /**
     * A jar with only {@link ChildMain} (halts the JVM when its parent's pipe closes): on the
     * attached processes' classpath without our other classes, which belong to the job jar.
     */
    static Path in(Path runDir) throws IOException {
        Path jar = runDir.resolve("watchdog.jar");
        if (!Files.exists(jar)) {
            String entry = ChildMain.class.getName().replace('.', '/') + ".class";
            Manifest manifest = new Manifest();
            manifest.getMainAttributes().putValue("Manifest-Version", "1.0");
            try (InputStream in = ChildMain.class.getClassLoader().getResourceAsStream(entry);
                    OutputStream file = Files.newOutputStream(jar);
                    JarOutputStream out = new JarOutputStream(file, manifest)) {
                if (in == null) {
                    throw new IOException("cannot read " + entry + " from the classpath");
                }
                out.putNextEntry(new JarEntry(entry));
                in.transferTo(out);
                out.closeEntry();
            }
        }
        return jar;
    }
}
