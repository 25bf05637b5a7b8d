package dev.streamtrain.localstack;

import dev.streamtrain.store.S3Endpoint;
import java.io.IOException;
import java.io.Writer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
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
        Path jar = StackJars.jar("s3proxy");
        int port = Ports.freeLoopbackPort();
        Path dir = Files.createTempDirectory(Files.createDirectories(workDir), "s3proxy-");
        Files.createDirectories(dir.resolve("data"));
        Properties p = new Properties();
        p.setProperty("s3proxy.endpoint", "http://127.0.0.1:" + port);
        p.setProperty("s3proxy.authorization", "aws-v2-or-v4");
        p.setProperty("s3proxy.identity", credentials.accessKey());
        p.setProperty("s3proxy.credential", credentials.secretKey());
        p.setProperty("jclouds.provider", "filesystem");
        p.setProperty("jclouds.filesystem.basedir", dir.resolve("data").toString());
        Path config = dir.resolve("s3proxy.properties");
        try (Writer w = Files.newBufferedWriter(config, StandardCharsets.UTF_8)) {
            p.store(w, null);
        }
        // s3proxy reads the secret from this file: keep it readable by the owner only
        config.toFile().setReadable(false, false);
        config.toFile().setReadable(true, true);
        ChildJvm server = ChildJvm.start(
                "s3proxy",
                jar.toString(),
                List.of("-Xms64m", "-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"),
                MainClasses.of(jar),
                List.of("--properties", config.toString()),
                dir.resolve("s3proxy.log"));
        S3Endpoint endpoint = new S3Endpoint(
                URI.create("http://127.0.0.1:" + port),
                credentials.accessKey(),
                credentials.secretKey(),
                credentials.region());
        HttpReadiness.await(server, endpoint.endpoint(), Duration.ofSeconds(60), "s3proxy");
        return new RunningObjectStore(
                endpoint,
                false,
                true,
                "s3proxy (child JVM pid " + server.pid() + ") at " + endpoint.endpoint(),
                server);
    }
}
