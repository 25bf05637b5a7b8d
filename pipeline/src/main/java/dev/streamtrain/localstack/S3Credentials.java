package dev.streamtrain.localstack;

/** Credentials the local S3 server is started with. {@code toString} hides the secret. */
public record S3Credentials(String accessKey, String secretKey, String region) {
    /** Fixed local-only credentials (the servers listen on loopback only). */
    public static S3Credentials local() {
        return new S3Credentials("streamtrain", "streamtrain-local-secret", "us-east-1");
    }

    @Override
    public String toString() {
        return "S3Credentials[accessKey=" + accessKey + ", region=" + region + "]";
    }
}
