package dev.streamtrain.localstack;

import dev.streamtrain.store.S3Endpoint;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;

/**
 * gaul/s3proxy over a local folder, in a child JVM. Unlike s3mock it checks credentials (so tests
 * can provoke "access denied"); it keeps no object versions.
 */
public final class S3ProxyServer {
    private S3ProxyServer() {}

    public static ObjectStoreService start(Path workDir, S3Credentials credentials) throws IOException {
        return start(workDir, credentials, null);
    }

    /**
     * With {@code tls}, the endpoint is https ({@code s3proxy.secure-endpoint}, Jetty with that key
     * store) beside the http one the readiness check uses; null: plain http, as always.
     */
    public static ObjectStoreService start(Path workDir, S3Credentials credentials, ServerTls tls) throws IOException {
        Path jar = StackJars.jar("s3proxy");
        int port = Ports.freeLoopbackPort();
        int securePort = tls == null ? -1 : Ports.freeLoopbackPort();
        Path dir = Files.createTempDirectory(Files.createDirectories(workDir), "s3proxy-");
        Files.createDirectories(dir.resolve("data"));
        Properties p = new Properties();
        p.setProperty("s3proxy.endpoint", "http://127.0.0.1:" + port);
        p.setProperty("s3proxy.authorization", "aws-v2-or-v4");
        p.setProperty("s3proxy.identity", credentials.accessKey());
        p.setProperty("s3proxy.credential", credentials.secretKey());
        if (tls != null) {
            p.setProperty("s3proxy.secure-endpoint", "https://127.0.0.1:" + securePort);
            p.setProperty(
                    "s3proxy.keystore-path", tls.keyStore().toAbsolutePath().toString());
            p.setProperty("s3proxy.keystore-password", tls.password());
        }
        p.setProperty("jclouds.provider", "filesystem");
        p.setProperty("jclouds.filesystem.basedir", dir.resolve("data").toString());
        Path config = dir.resolve("s3proxy.properties");
        // s3proxy reads the secret from this file: readable by the owner only
        OwnerOnlyFile.write(config, p);
        ChildJvm server = ChildJvm.start(
                "s3proxy",
                jar.toString(),
                List.of("-Xms64m", "-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"),
                MainClasses.of(jar),
                List.of("--properties", config.toString()),
                dir.resolve("s3proxy.log"));
        URI http = URI.create("http://127.0.0.1:" + port);
        S3Endpoint endpoint = new S3Endpoint(
                tls == null ? http : URI.create("https://127.0.0.1:" + securePort),
                credentials.accessKey(),
                credentials.secretKey(),
                credentials.region());
        // the http endpoint: both connectors start together, and it needs no trust
        HttpReadiness.await(server, http, Duration.ofSeconds(60), "s3proxy");
        return new RunningObjectStore(
                endpoint,
                false,
                true,
                "s3proxy (child JVM pid " + server.pid() + ") at " + endpoint.endpoint(),
                server);
    }
}
