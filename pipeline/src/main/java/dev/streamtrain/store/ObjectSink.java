package dev.streamtrain.store;

import java.io.IOException;
import java.io.OutputStream;
import java.io.Serializable;
import java.net.URI;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

/**
 * Where {@link ArtifactWriter} puts objects and {@link ArtifactDeleter} removes them. The real one
 * is Flink's FileSystem, so artifacts use the same s3:// filesystem, endpoint and credentials as
 * the checkpoints; tests wrap it to record the order of writes or to inject failures, or replace
 * it with an in-memory store to test the trainer operator without an S3 server. Serializable
 * because the operator that holds it is shipped to the task managers.
 */
public interface ObjectSink extends Serializable {

    /** Creates or replaces the object; it becomes visible when the stream is closed. */
    OutputStream create(URI uri) throws IOException;

    boolean exists(URI uri) throws IOException;

    /** Deletes the object if it exists. */
    void delete(URI uri) throws IOException;

    /** Flink's FileSystem for the URI's scheme (flink-s3-fs-presto for s3://). */
    ObjectSink FLINK_FILE_SYSTEM = new ObjectSink() {
        @Override
        public OutputStream create(URI uri) throws IOException {
            Path path = new Path(uri);
            return path.getFileSystem().create(path, FileSystem.WriteMode.OVERWRITE);
        }

        @Override
        public boolean exists(URI uri) throws IOException {
            Path path = new Path(uri);
            return path.getFileSystem().exists(path);
        }

        @Override
        public void delete(URI uri) throws IOException {
            // presto answers true whether or not the key existed: callers ask exists() first
            Path path = new Path(uri);
            path.getFileSystem().delete(path, false);
        }

        @Override
        public String toString() {
            return "Flink FileSystem";
        }
    };
}
