package dev.streamtrain.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * The certificate authorities an https S3 endpoint is checked against, when they are not the JVM's
 * own (a private CA): {@code s3.trust-store} — a PKCS12 or JKS trust store, or a PEM file of CA
 * certificates as {@code AWS_CA_BUNDLE} names — and {@code s3.trust-store-password} (stores only).
 * {@code toString} never shows the password; no exception message holds it.
 *
 * @param location the store's or PEM file's path, kept as text: the settings travel to the
 *     TaskManagers by Java serialization, which {@link Path} does not support
 * @param password null for a PEM file or a store without integrity password
 */
public record S3Trust(String location, String password) implements Serializable {

    public S3Trust(Path file, String password) {
        this(file.toString(), password);
    }

    public Path file() {
        return Path.of(location);
    }

    @Override
    public String toString() {
        return "S3Trust[" + location + (password == null ? "" : ", password=******") + "]";
    }

    /** The trust managers of the SDK's http clients: they trust exactly these CAs. */
    public TrustManager[] trustManagers() {
        try {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(keyStore());
            return tmf.getTrustManagers();
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot use s3.trust-store '" + file() + "': " + e.getMessage(), e);
        }
    }

    /** The CA certificates, loaded into an in-memory store. */
    public KeyStore keyStore() {
        try {
            if (!Files.isRegularFile(file())) {
                throw new IllegalArgumentException("s3.trust-store '" + file() + "' is not a readable file");
            }
            if (isPem()) {
                KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
                store.load(null, null);
                int i = 0;
                for (Certificate c : pemCertificates()) {
                    store.setCertificateEntry("ca-" + i++, c);
                }
                return store;
            }
            // detects PKCS12 or JKS from the content
            return KeyStore.getInstance(file().toFile(), password == null ? null : password.toCharArray());
        } catch (IOException | GeneralSecurityException e) {
            // the JDK says "keystore password was incorrect" for a wrong password; it never echoes it
            throw new IllegalArgumentException(
                    "cannot read s3.trust-store '" + file() + "' (a PKCS12/JKS trust store with"
                            + " s3.trust-store-password, or a PEM file of CA certificates): " + e.getMessage(),
                    e);
        }
    }

    /** The CA certificates in the file (from a store: its trusted certificate entries). */
    public List<X509Certificate> certificates() {
        try {
            KeyStore store = keyStore();
            List<X509Certificate> out = new ArrayList<>();
            for (String alias : Collections.list(store.aliases())) {
                if (store.getCertificate(alias) instanceof X509Certificate x) {
                    out.add(x);
                }
            }
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot read s3.trust-store '" + file() + "': " + e.getMessage(), e);
        }
    }

    /**
     * The CAs the JVM's default trust accepts (its cacerts, or a {@code javax.net.ssl.trustStore}
     * already set) and these too: for clients that can only use the JVM-wide trust store, so that
     * adding the private CA takes no other CA away.
     */
    public List<X509Certificate> withJvmDefaults() {
        try {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init((KeyStore) null);
            List<X509Certificate> all = new ArrayList<>();
            for (TrustManager tm : tmf.getTrustManagers()) {
                if (tm instanceof X509TrustManager x) {
                    all.addAll(List.of(x.getAcceptedIssuers()));
                }
            }
            all.addAll(certificates());
            return all;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot read the JVM's default trust store: " + e.getMessage(), e);
        }
    }

    private boolean isPem() throws IOException {
        try (InputStream in = Files.newInputStream(file())) {
            return new String(in.readNBytes(64), StandardCharsets.US_ASCII).contains("-----BEGIN");
        }
    }

    private Collection<? extends Certificate> pemCertificates() throws IOException, GeneralSecurityException {
        try (InputStream in = Files.newInputStream(file())) {
            Collection<? extends Certificate> certs =
                    CertificateFactory.getInstance("X.509").generateCertificates(in);
            if (certs.isEmpty()) {
                throw new IllegalArgumentException("s3.trust-store '" + file() + "' holds no PEM certificate");
            }
            return certs;
        }
    }
}
