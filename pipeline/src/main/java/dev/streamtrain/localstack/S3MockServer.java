package dev.streamtrain.localstack;

import dev.streamtrain.store.S3Endpoint;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Adobe's s3mock from its exec jar, in a child JVM. Supports bucket versioning (store.versioned
 * keeps one object version per epoch); accepts any credentials.
 */
public final class S3MockServer {
    private S3MockServer() {}

    public static ObjectStoreService start(Path workDir, S3Credentials credentials) throws IOException {
        Path jar = StackJars.jar("s3mock");
        int port = Ports.freeLoopbackPort();
        int httpsPort = Ports.freeLoopbackPort();
        Path dir = Files.createTempDirectory(Files.createDirectories(workDir), "s3mock-");
        S3Endpoint endpoint = new S3Endpoint(
                URI.create("http://127.0.0.1:" + port),
                credentials.accessKey(),
                credentials.secretKey(),
                credentials.region());
        // A restart (after kill) runs the same command line: s3mock loads the buckets and objects
        // it finds in its store root. Only a clean stop deletes that root (retainFilesOnExit false).
        RestartableChild server = RestartableChild.start(
                () -> ChildJvm.start(
                        "s3mock",
                        jar.toString(),
                        List.of("-Xms64m", "-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"),
                        MainClasses.of(jar),
                        List.of(
                                "--server.port=" + httpsPort,
                                "--com.adobe.testing.s3mock.httpPort=" + port,
                                "--com.adobe.testing.s3mock.store.root=" + dir.resolve("data"),
                                "--spring.main.banner-mode=off",
                                "--logging.level.root=WARN"),
                        dir.resolve("s3mock.log")),
                process -> HttpReadiness.await(process, endpoint.endpoint(), Duration.ofSeconds(90), "s3mock"));
        return new RunningObjectStore(
                endpoint, true, false, "s3mock (child JVM pid " + server.pid() + ") at " + endpoint.endpoint(), server);
    }
}
