package dev.streamtrain.localstack;

import dev.streamtrain.store.S3Endpoint;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * Adobe's s3mock from its exec jar, in a child JVM. Supports bucket versioning (store.versioned
 * keeps one object version per epoch); accepts any credentials.
 *
 * <p>It always serves https too, on {@code server.port}, with a self-signed certificate of its own
 * ({@code server.ssl.*} defaults in S3MockApplication); {@link #start(Path, S3Credentials, ServerTls)}
 * swaps in a key store signed by a private CA and makes the https port the endpoint.
 */
public final class S3MockServer {
    private S3MockServer() {}

    public static ObjectStoreService start(Path workDir, S3Credentials credentials) throws IOException {
        return start(workDir, credentials, null);
    }

    /** With {@code tls}, the endpoint is https with that key store; null: plain http, as always. */
    public static ObjectStoreService start(Path workDir, S3Credentials credentials, ServerTls tls) throws IOException {
        Path jar = StackJars.jar("s3mock");
        int port = Ports.freeLoopbackPort();
        int httpsPort = Ports.freeLoopbackPort();
        Path dir = Files.createTempDirectory(Files.createDirectories(workDir), "s3mock-");
        URI http = URI.create("http://127.0.0.1:" + port);
        S3Endpoint endpoint = new S3Endpoint(
                tls == null ? http : URI.create("https://127.0.0.1:" + httpsPort),
                credentials.accessKey(),
                credentials.secretKey(),
                credentials.region());
        List<String> args = new ArrayList<>(List.of(
                "--server.port=" + httpsPort,
                "--com.adobe.testing.s3mock.httpPort=" + port,
                "--com.adobe.testing.s3mock.store.root=" + dir.resolve("data"),
                "--spring.main.banner-mode=off",
                "--logging.level.root=WARN"));
        if (tls != null) {
            // in a file readable by the owner only, not on the command line where ps shows it
            args.add("--spring.config.additional-location=file:" + tlsProperties(dir, tls));
        }
        // A restart (after kill) runs the same command line: s3mock loads the buckets and objects
        // it finds in its store root. Only a clean stop deletes that root (retainFilesOnExit false).
        // A stop in the middle of a write can leave a versions file empty: repaired before each start.
        RestartableChild server = RestartableChild.start(
                () -> {
                    S3MockStoreRepair.repair(dir.resolve("data"));
                    return ChildJvm.start(
                            "s3mock",
                            jar.toString(),
                            List.of("-Xms64m", "-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"),
                            MainClasses.of(jar),
                            args,
                            dir.resolve("s3mock.log"));
                },
                // the http port: both connectors start together, and it needs no trust
                process -> HttpReadiness.await(process, http, Duration.ofSeconds(90), "s3mock"));
        return new RunningObjectStore(
                endpoint, true, false, "s3mock (child JVM pid " + server.pid() + ") at " + endpoint.endpoint(), server);
    }

    private static Path tlsProperties(Path dir, ServerTls tls) throws IOException {
        Properties p = new Properties();
        p.setProperty("server.ssl.key-store", "file:" + tls.keyStore().toAbsolutePath());
        p.setProperty("server.ssl.key-store-type", "PKCS12");
        p.setProperty("server.ssl.key-store-password", tls.password());
        p.setProperty("server.ssl.key-alias", tls.alias());
        p.setProperty("server.ssl.key-password", tls.password());
        Path file = dir.resolve("tls.properties");
        OwnerOnlyFile.write(file, p);
        return file;
    }
}
