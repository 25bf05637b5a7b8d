package dev.streamtrain.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.Test;

class S3SettingsTest {
    private static final Map<String, String> ENV = Map.of(
            "AWS_ENDPOINT_URL",
            "http://env:9000",
            "AWS_ACCESS_KEY_ID",
            "env-access",
            "AWS_SECRET_ACCESS_KEY",
            "env-secret");

    @Test
    void eachPartComesFromTheFirstSourceThatGivesIt() {
        S3Endpoint s3 = S3Settings.resolve(
                        new S3Settings.Source(null, "flag-access", " ", null),
                        S3Settings.Source.flink(Map.of("s3.endpoint", "https://flink:443", "s3.region", "eu-west-1")),
                        S3Settings.Source.environment(ENV))
                .orElseThrow();
        assertEquals(URI.create("https://flink:443"), s3.endpoint());
        assertEquals("flag-access", s3.accessKey());
        assertEquals("env-secret", s3.secretKey(), "blank is not given");
        assertEquals("eu-west-1", s3.region());
    }

    @Test
    void theRegionDefaultsAndAMissingPartGivesNothing() {
        assertEquals(
                S3Settings.DEFAULT_REGION,
                S3Settings.resolve(S3Settings.Source.environment(ENV))
                        .orElseThrow()
                        .region());
        assertTrue(
                S3Settings.resolve(S3Settings.Source.flink(Map.of("s3.endpoint", "http://x:1", "s3.access-key", "a")))
                        .isEmpty());
    }

    @Test
    void anEndpointWithoutItsProtocolIsNamed() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> S3Settings.resolve(new S3Settings.Source("minio:9000", "a", "s", null)));
        assertEquals("the S3 endpoint 'minio:9000' needs its protocol, e.g. http://minio:9000", e.getMessage());
    }
}
