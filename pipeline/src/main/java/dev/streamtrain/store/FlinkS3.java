package dev.streamtrain.store;

import dev.streamtrain.localstack.S3Endpoint;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.fs.FileSystem;

/** The {@code s3.*} keys through which flink-s3-fs-presto reaches an S3-compatible server. */
public final class FlinkS3 {
    private FlinkS3() {}

    /** Adds the endpoint, path-style access and credentials to a Flink configuration. */
    public static Configuration apply(Configuration conf, S3Endpoint s3) {
        conf.setString("s3.endpoint", s3.endpoint().toString());
        conf.setString("s3.path.style.access", "true");
        conf.setString("s3.access-key", s3.accessKey());
        conf.setString("s3.secret-key", s3.secretKey());
        conf.setString("s3.ssl.enabled", String.valueOf("https".equals(s3.endpoint().getScheme())));
        return conf;
    }

    /**
     * Makes the {@code s3.*} keys reach the S3 filesystem of THIS JVM. A MiniCluster (tests, local
     * mode) needs it: without it the filesystem never sees the keys and the AWS SDK probes for
     * credentials for minutes. On a real cluster the TaskManager does this from config.yaml.
     */
    public static void initializeInThisJvm(Configuration conf) {
        FileSystem.initialize(conf, null);
    }
}
