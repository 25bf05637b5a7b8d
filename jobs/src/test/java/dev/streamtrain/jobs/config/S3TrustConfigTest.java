package dev.streamtrain.jobs.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamtrain.store.S3Endpoint;
import dev.streamtrain.store.S3Trust;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** s3.trust-store and its password: checked at start-up, reach the S3 endpoint, masked, filled back in by rollback. */
class S3TrustConfigTest {
    private static final String PASSWORD = "trust-pw-7c1e";

    private static Map<String, String> job(Path store) {
        Map<String, String> m = new HashMap<>(Map.of(
                "kafka.bootstrap-servers", "x:1",
                "sample.feature-dim", "8",
                "checkpoint.dir", "s3://b/c",
                "s3.endpoint", "https://s3.internal:9000",
                "s3.access-key", "ak",
                "s3.secret-key", "sk"));
        m.put("s3.trust-store", store.toString());
        m.put("s3.trust-store-password", PASSWORD);
        return m;
    }

    @Test
    void theTrustStoreReachesTheEndpointAndItsPasswordIsMasked(@TempDir Path tmp) throws Exception {
        Path store = Files.writeString(tmp.resolve("ca.p12"), "not read here");
        JobConfig config = JobConfig.fromMap(job(store));
        S3Endpoint s3 = config.s3Endpoint().orElseThrow();
        assertEquals(store, s3.trust().file());
        assertEquals(PASSWORD, s3.trust().password());
        assertEquals(JobConfig.MASKED, config.describe().get("s3.trust-store-password"));
        assertFalse(s3.toString().contains(PASSWORD), s3.toString());
        assertEquals(store.toString(), config.flinkConfiguration().toMap().get("s3.trust-store"));
    }

    @Test
    void aMissingStoreOrAPasswordWithoutStoreIsReportedWithoutThePassword(@TempDir Path tmp) {
        InvalidConfigurationException missing = assertThrows(
                InvalidConfigurationException.class, () -> JobConfig.fromMap(job(tmp.resolve("nope.p12"))));
        assertTrue(missing.getMessage().contains("s3.trust-store = '"), missing.getMessage());
        assertFalse(missing.getMessage().contains(PASSWORD), missing.getMessage());

        Map<String, String> noStore = job(tmp);
        noStore.remove("s3.trust-store");
        InvalidConfigurationException orphan =
                assertThrows(InvalidConfigurationException.class, () -> JobConfig.fromMap(noStore));
        assertTrue(orphan.getMessage().contains("s3.trust-store-password is given without s3.trust-store"));
        assertFalse(orphan.getMessage().contains(PASSWORD), orphan.getMessage());
    }

    @Test
    void rollbackFillsTheMaskedPasswordFromTheToolsEndpoint(@TempDir Path tmp) throws Exception {
        Path store = Files.writeString(tmp.resolve("ca.pem"), "x");
        Map<String, String> reported = Map.of("s3.trust-store", store.toString(), "s3.trust-store-password", "******");
        S3Endpoint tool = new S3Endpoint(URI.create("https://s3:1"), "ak", "sk", "us-east-1")
                .withTrust(new S3Trust(store, PASSWORD));
        List<String> args = JobArguments.rebuild(reported, List.of(), tool, Map.of(), 2);
        assertEquals(PASSWORD, args.get(args.indexOf("--s3.trust-store-password") + 1));
    }
}
