package dev.streamtrain.localstack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A private test CA, a server key store signed by it (for 127.0.0.1 and localhost) and a trust store
 * holding only the CA — made with the JDK's own keytool, so that TLS tests need no library and no
 * certificate checked into the repository. EC keys: generated in milliseconds.
 *
 * @param serverKeyStore  PKCS12: the server's key and its chain (key password = store password)
 * @param trustStore      PKCS12: the CA certificate only
 * @param caCertificate   PEM: the CA certificate (for clients that take PEM)
 */
public record TestCertificates(Path serverKeyStore, Path trustStore, Path caCertificate, String password) {

    /** Creates them in a fresh directory under {@code workDir}. */
    public static TestCertificates create(Path workDir) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory(Files.createDirectories(workDir), "tls-");
        // random per run: a password that leaks anywhere shows up in the secret scans of the tests
        String password = "ks-" + UUID.randomUUID();
        Path ca = dir.resolve("ca.p12");
        Path server = dir.resolve("server.p12");
        Path trust = dir.resolve("truststore.p12");
        Path caPem = dir.resolve("ca.pem");
        Path csr = dir.resolve("server.csr");
        Path serverPem = dir.resolve("server.pem");
        String san = "SAN=ip:127.0.0.1,dns:localhost";
        keytool(
                dir,
                "-genkeypair",
                "-alias",
                "ca",
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-dname",
                "CN=streamtrain test CA",
                "-ext",
                "bc:c",
                "-validity",
                "2",
                "-keystore",
                ca.toString(),
                "-storetype",
                "PKCS12",
                "-storepass",
                password);
        keytool(
                dir,
                "-exportcert",
                "-rfc",
                "-alias",
                "ca",
                "-keystore",
                ca.toString(),
                "-storepass",
                password,
                "-file",
                caPem.toString());
        keytool(
                dir,
                "-genkeypair",
                "-alias",
                "server",
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-dname",
                "CN=localhost",
                "-ext",
                san,
                "-validity",
                "2",
                "-keystore",
                server.toString(),
                "-storetype",
                "PKCS12",
                "-storepass",
                password);
        keytool(
                dir,
                "-certreq",
                "-alias",
                "server",
                "-keystore",
                server.toString(),
                "-storepass",
                password,
                "-file",
                csr.toString());
        keytool(
                dir,
                "-gencert",
                "-rfc",
                "-alias",
                "ca",
                "-keystore",
                ca.toString(),
                "-storepass",
                password,
                "-infile",
                csr.toString(),
                "-outfile",
                serverPem.toString(),
                "-ext",
                san,
                "-validity",
                "2");
        // the CA first, so that the signed certificate's reply installs as a chain under the server's key
        keytool(
                dir,
                "-importcert",
                "-noprompt",
                "-alias",
                "ca",
                "-file",
                caPem.toString(),
                "-keystore",
                server.toString(),
                "-storepass",
                password);
        keytool(
                dir,
                "-importcert",
                "-alias",
                "server",
                "-file",
                serverPem.toString(),
                "-keystore",
                server.toString(),
                "-storepass",
                password);
        keytool(
                dir,
                "-importcert",
                "-noprompt",
                "-alias",
                "ca",
                "-file",
                caPem.toString(),
                "-keystore",
                trust.toString(),
                "-storetype",
                "PKCS12",
                "-storepass",
                password);
        return new TestCertificates(server, trust, caPem, password);
    }

    private static void keytool(Path dir, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Paths.get(System.getProperty("java.home"), "bin", "keytool").toString());
        // a short-lived JVM: skip the optimizing compiler
        command.add("-J-XX:TieredStopAtLevel=1");
        command.addAll(List.of(args));
        Path log = dir.resolve("keytool.log");
        Process p = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("keytool " + args[0] + " did not finish within 60 s");
        }
        if (p.exitValue() != 0) {
            throw new IOException("keytool " + args[0] + " failed (exit " + p.exitValue() + "); see " + log);
        }
    }
}
