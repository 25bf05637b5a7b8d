package dev.streamtrain.localstack;

import java.nio.file.Path;

/**
 * The key store a local S3 server serves https with: a PKCS12 store holding the server's key and
 * its chain under {@code alias} (key password = store password), as the tests' private CA makes it.
 * {@code toString} hides the password.
 */
public record ServerTls(Path keyStore, String password, String alias) {
    @Override
    public String toString() {
        return "ServerTls[" + keyStore + ", alias=" + alias + "]";
    }
}
