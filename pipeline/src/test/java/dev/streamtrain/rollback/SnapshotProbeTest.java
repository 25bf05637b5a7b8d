package dev.streamtrain.rollback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamtrain.events.CheckpointEvent;
import dev.streamtrain.events.CheckpointEventFixtures;
import dev.streamtrain.localstack.LocalStack;
import dev.streamtrain.localstack.LocalStackExtension;
import dev.streamtrain.store.RunKey;
import dev.streamtrain.store.S3Clients;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/** {@link SnapshotProbe} against the local S3 server: a HEAD per object, a missing one is not an error. */
@ExtendWith(LocalStackExtension.class)
class SnapshotProbeTest {
    private final String prefix = "probe-" + UUID.randomUUID().toString().substring(0, 8);

    @Test
    void aRestorePointRestoresWhileItsMetadataExists(LocalStack stack) {
        try (S3Client s3 = S3Clients.create(stack.s3())) {
            String bucket = stack.bucket();
            String job = "11111111111111111111111111111111";
            put(s3, bucket, prefix + "/cp/" + job + "/chk-4/_metadata");
            put(s3, bucket, prefix + "/cp/" + job + "/chk-8/_metadata");
            // chk-6 has its state files but lost its _metadata: Flink cannot restore it
            put(s3, bucket, prefix + "/cp/" + job + "/chk-6/shared-state");
            SnapshotProbe probe = new SnapshotProbe(s3);
            RunHistory history = RunHistory.of(
                    List.of(committed(bucket, 1, job, 4), committed(bucket, 2, job, 6), committed(bucket, 3, job, 8)));

            assertTrue(probe.restorable(history.restorePointFor(1)));
            assertFalse(probe.restorable(history.restorePointFor(2)));
            assertEquals(List.of(1L, 3L), probe.restorableEpochs(history));

            s3.deleteObject(b -> b.bucket(bucket).key(prefix + "/cp/" + job + "/chk-4/_metadata"));
            assertFalse(probe.restorable(history.restorePointFor(1)), "deleted (subsumed) since");
            assertEquals(List.of(3L), probe.restorableEpochs(history));
        }
    }

    @Test
    void existsIsAHeadOfOneObjectNotAPrefix(LocalStack stack) {
        try (S3Client s3 = S3Clients.create(stack.s3())) {
            String bucket = stack.bucket();
            put(s3, bucket, prefix + "/e/r/m/epoch-000001/manifest.json");
            SnapshotProbe probe = new SnapshotProbe(s3);
            assertTrue(probe.exists("s3://" + bucket + "/" + prefix + "/e/r/m/epoch-000001/manifest.json"));
            assertFalse(probe.exists("s3://" + bucket + "/" + prefix + "/e/r/m/epoch-000001"), "a prefix is no object");
            assertFalse(probe.exists("s3://" + bucket + "/" + prefix + "/e/r/m/epoch-000002/manifest.json"));
        }
    }

    private static void put(S3Client s3, String bucket, String key) {
        s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromString("x"));
    }

    private CheckpointEvent committed(String bucket, long epoch, String job, long checkpointId) {
        String root = "s3://" + bucket + "/" + prefix;
        return CheckpointEventFixtures.committed(RunKey.parse("e/r/m"), root + "/e/r/m", epoch)
                .job(job, 1)
                .checkpoint(checkpointId, root + "/cp")
                .build();
    }
}
