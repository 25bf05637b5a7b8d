package dev.streamtrain.rollback;

import java.io.IOException;
import java.util.Map;

/**
 * Checks an epoch artifact as a restore point before a rollback changes anything: its files match
 * their sha256s, its manifest has the {@code resume} block, and the samples topic still holds the
 * offsets it continues from. The jobs module checks on S3 and Kafka; tests use a fake.
 */
public interface ArtifactRestoreCheck {
    /**
     * @param manifestUri the epoch's {@code manifest.json}
     * @return where the restored job's Kafka source starts, per {@code "topic-partition"}
     * @throws RestoreRefusedException naming the problem (gone, sha256 mismatch, offsets deleted)
     */
    Map<String, Long> check(String manifestUri) throws IOException;
}
