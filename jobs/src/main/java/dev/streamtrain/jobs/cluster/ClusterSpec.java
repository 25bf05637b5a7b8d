package dev.streamtrain.jobs.cluster;

import dev.streamtrain.store.S3Endpoint;
import java.nio.file.Path;

/**
 * What a standalone cluster is made of: where it lives, the object store its checkpoints and
 * savepoints go to, and its size.
 *
 * @param dir               the cluster folder (lib/, plugins/, conf/, log/, run/)
 * @param s3                S3 endpoint and credentials for flink-s3-fs-presto
 * @param bucket            bucket of the default checkpoint and savepoint directories
 * @param slots             task slots per TaskManager
 * @param jobManagerMemory  {@code jobmanager.memory.process.size}
 * @param taskManagerMemory {@code taskmanager.memory.process.size} (libtorch's native memory comes on top)
 * @param taskManagerJavaOpts extra JVM options of the TaskManagers (e.g. DJL thread counts), may be empty
 * @param retainedCheckpoints {@code execution.checkpointing.num-retained}: the checkpoints kept per job,
 *                          which are the rollback restore points
 */
public record ClusterSpec(
        Path dir,
        S3Endpoint s3,
        String bucket,
        int slots,
        String jobManagerMemory,
        String taskManagerMemory,
        String taskManagerJavaOpts,
        int retainedCheckpoints) {
    public static final int DEFAULT_RETAINED_CHECKPOINTS = 10;

    public static ClusterSpec of(Path dir, S3Endpoint s3, String bucket) {
        return new ClusterSpec(dir, s3, bucket, 2, "1024m", "2048m", "", DEFAULT_RETAINED_CHECKPOINTS);
    }

    public String checkpointsDir() {
        return "s3://" + bucket + "/flink/checkpoints";
    }

    public String savepointsDir() {
        return "s3://" + bucket + "/flink/savepoints";
    }
}
