package dev.streamtrain.store;

import java.io.Serializable;
import java.net.URI;

/**
 * How to reach an S3-compatible server. {@code toString} never shows the secret key or the trust
 * store's password.
 *
 * @param endpoint with the protocol, like AWS_ENDPOINT_URL in conf/.env.example (http://127.0.0.1:9000)
 * @param trust    the CAs an https endpoint is checked against; null: the JVM's own
 */
public record S3Endpoint(URI endpoint, String accessKey, String secretKey, String region, S3Trust trust)
        implements Serializable {

    /** With the JVM's own trust (public CAs, or http). */
    public S3Endpoint(URI endpoint, String accessKey, String secretKey, String region) {
        this(endpoint, accessKey, secretKey, region, null);
    }

    /** The same server and credentials, checked against {@code trust}. */
    public S3Endpoint withTrust(S3Trust trust) {
        return new S3Endpoint(endpoint, accessKey, secretKey, region, trust);
    }

    @Override
    public String toString() {
        return "S3Endpoint[" + endpoint + ", accessKey=" + accessKey + ", region=" + region
                + (trust == null ? "" : ", trust=" + trust) + "]";
    }
}
