package dev.streamtrain.localstack;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Adobe's s3mock from its exec jar, in a child JVM. Supports bucket versioning (the seed's way of
 * keeping one object version per epoch); accepts any credentials.
 */
public final class S3MockServer implements ObjectStoreService {
    private final ChildJvm server;
    private final S3Endpoint endpoint;

    private S3MockServer(ChildJvm server, S3Endpoint endpoint) {
        this.server = server;
        this.endpoint = endpoint;
    }

    public static S3MockServer start(Path workDir, S3Credentials credentials) throws IOException {
        Path jar = StackJars.jar("s3mock");
        int port = Ports.freeLoopbackPort();
        int httpsPort = Ports.freeLoopbackPort();
        Path dir = Files.createTempDirectory(Files.createDirectories(workDir), "s3mock-");
        ChildJvm server = ChildJvm.start("s3mock", jar.toString(),
                List.of("-Xms64m", "-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"),
                MainClasses.of(jar),
                List.of("--server.port=" + httpsPort,
                        "--com.adobe.testing.s3mock.httpPort=" + port,
                        "--com.adobe.testing.s3mock.store.root=" + dir.resolve("data"),
                        "--spring.main.banner-mode=off",
                        "--logging.level.root=WARN"),
                dir.resolve("s3mock.log"));
        S3Endpoint endpoint = new S3Endpoint(URI.create("http://127.0.0.1:" + port),
                credentials.accessKey(), credentials.secretKey(), credentials.region());
        S3MockServer s3 = new S3MockServer(server, endpoint);
        HttpReadiness.await(server, endpoint.endpoint(), Duration.ofSeconds(90), "s3mock");
        return s3;
    }

    @Override
    public S3Endpoint endpoint() {
        return endpoint;
    }

    @Override
    public boolean supportsVersioning() {
        return true;
    }

    @Override
    public boolean checksCredentials() {
        return false;
    }

    @Override
    public String description() {
        return "s3mock (child JVM pid " + server.pid() + ") at " + endpoint.endpoint();
    }

    @Override
    public void close() throws InterruptedException {
        server.close();
    }
}
