package dev.streamtrain.store;

import java.io.Serializable;
import java.net.URI;

/**
 * How to reach an S3-compatible server. {@code toString} never shows the secret key.
 *
 * @param endpoint with the protocol, like AWS_ENDPOINT_URL in conf/.env.example (http://127.0.0.1:9000)
 */
public record S3Endpoint(URI endpoint, String accessKey, String secretKey, String region) implements Serializable {
    @Override
    public String toString() {
        return "S3Endpoint[" + endpoint + ", accessKey=" + accessKey + ", region=" + region + "]";
    }
}
