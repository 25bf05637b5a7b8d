package dev.streamtrain.localstack;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * Finds the S3 server jars that the build copies to {@code pipeline/target/stack/} (they run from
 * their own jars in a child JVM and are never on our classpath, where their dependencies would
 * clash with Flink's).
 */
final class StackJars {
    static final String DIR_PROPERTY = "streamtrain.stack.dir";

    private StackJars() {}

    static Path jar(String name) {
        String dir = System.getProperty(DIR_PROPERTY, "pipeline/target/stack");
        Path jar = Paths.get(dir, name + ".jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(
                    jar.toAbsolutePath() + " is missing: build the project first (./mvnw -DskipTests"
                            + " package copies it there) or point -D" + DIR_PROPERTY + " at the folder that holds "
                            + name + ".jar");
        }
        return jar;
    }
}
