package dev.streamtrain.store;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.fs.FileSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code s3.*} keys through which flink-s3-fs-presto reaches an S3-compatible server.
 *
 * <p>A private CA ({@code s3.trust-store}): presto's S3 client (AWS SDK v1) builds its TLS context
 * from the JVM's default trust, so it honours only the JVM-wide {@code javax.net.ssl.trustStore}
 * properties, never a key of its own. On a cluster, give every JobManager and TaskManager those
 * properties ({@code env.java.opts.all}); in this JVM (MiniCluster: tests, local mode)
 * {@link #initializeInThisJvm} sets them for you.
 */
public final class FlinkS3 {
    private static final Logger LOG = LoggerFactory.getLogger(FlinkS3.class);

    private FlinkS3() {}

    /** Adds the endpoint, path-style access and credentials to a Flink configuration. */
    public static Configuration apply(Configuration conf, S3Endpoint s3) {
        keys(s3).forEach(conf::setString);
        return conf;
    }

    /**
     * The same keys as {@link #apply}, in a fixed order, for a configuration written as a file
     * (a standalone cluster's config.yaml).
     */
    public static Map<String, String> keys(S3Endpoint s3) {
        Map<String, String> keys = new LinkedHashMap<>();
        keys.put("s3.endpoint", s3.endpoint().toString());
        keys.put("s3.path.style.access", "true");
        keys.put("s3.access-key", s3.accessKey());
        keys.put("s3.secret-key", s3.secretKey());
        keys.put("s3.ssl.enabled", String.valueOf("https".equals(s3.endpoint().getScheme())));
        if (s3.trust() != null) {
            keys.put(S3Settings.TRUST_STORE, s3.trust().file().toString());
            if (s3.trust().password() != null) {
                keys.put(S3Settings.TRUST_STORE_PASSWORD, s3.trust().password());
            }
        }
        return keys;
    }

    /**
     * Makes the {@code s3.*} keys reach the S3 filesystem of THIS JVM. A MiniCluster (tests, local
     * mode) needs it: without it the filesystem never sees the keys and the AWS SDK probes for
     * credentials for minutes. On a real cluster the TaskManager does this from config.yaml.
     *
     * <p>With {@code s3.trust-store}, also {@link #trustInThisJvm}: the filesystem cannot be given a CA otherwise.
     */
    public static void initializeInThisJvm(Configuration conf) {
        Map<String, String> map = conf.toMap();
        String store = map.get(S3Settings.TRUST_STORE);
        if (store != null && !store.isBlank()) {
            trustInThisJvm(new S3Trust(Paths.get(store.trim()), map.get(S3Settings.TRUST_STORE_PASSWORD)));
        }
        FileSystem.initialize(conf, null);
    }

    /**
     * Points this JVM's {@code javax.net.ssl.trustStore} at a new store holding the CAs it trusted so
     * far (its cacerts, or the store already set) and those of {@code trust}: nothing that was trusted
     * stops being trusted, and the S3 filesystem's TLS contexts made from now on accept the private CA.
     * The new store holds public certificates only; its password is random, not the user's.
     *
     * @return the new trust store file
     */
    public static synchronized Path trustInThisJvm(S3Trust trust) {
        try {
            List<X509Certificate> certificates = trust.withJvmDefaults();
            KeyStore merged = KeyStore.getInstance("PKCS12");
            merged.load(null, null);
            for (int i = 0; i < certificates.size(); i++) {
                merged.setCertificateEntry("ca-" + i, certificates.get(i));
            }
            String password = UUID.randomUUID().toString();
            Path file = Files.createTempFile("streamtrain-s3-truststore-", ".p12");
            file.toFile().deleteOnExit();
            try (OutputStream out = Files.newOutputStream(file)) {
                merged.store(out, password.toCharArray());
            }
            System.setProperty("javax.net.ssl.trustStore", file.toString());
            System.setProperty("javax.net.ssl.trustStoreType", "PKCS12");
            System.setProperty("javax.net.ssl.trustStorePassword", password);
            LOG.info(
                    "s3.trust-store {}: this JVM's javax.net.ssl.trustStore is now {} (its {} CAs and the"
                            + " trust store's), since flink-s3-fs-presto only uses the JVM-wide trust",
                    trust.file(),
                    file,
                    certificates.size());
            return file;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot make this JVM trust s3.trust-store " + trust.file(), e);
        }
    }
}
