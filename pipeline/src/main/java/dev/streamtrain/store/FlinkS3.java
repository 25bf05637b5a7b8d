package dev.streamtrain.store;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.fs.FileSystem;

/** The {@code s3.*} keys through which flink-s3-fs-presto reaches an S3-compatible server. */
public final class FlinkS3 {
    private FlinkS3() {}

    /** Adds the endpoint, path-style access and credentials to a Flink configuration. */
    public static Configuration apply(Configuration conf, S3Endpoint s3) {
        keys(s3).forEach(conf::setString);
        return conf;
    }

    /**
     * The same keys as {@link #apply}, in a fixed order, for a configuration written as a file
     * (a standalone cluster's config.yaml).
     */
    public static Map<String, String> keys(S3Endpoint s3) {
        Map<String, String> keys = new LinkedHashMap<>();
        keys.put("s3.endpoint", s3.endpoint().toString());
        keys.put("s3.path.style.access", "true");
        keys.put("s3.access-key", s3.accessKey());
        keys.put("s3.secret-key", s3.secretKey());
        keys.put("s3.ssl.enabled", String.valueOf("https".equals(s3.endpoint().getScheme())));
        return keys;
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
