package dev.streamtrain.store;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An {@link ObjectSink} that keeps objects in memory, for testing what is written and deleted
 * without an S3 server. As with S3, an object becomes visible only when its stream is closed.
 * {@link #failWritesTo} makes writes fail, like an object store that went away.
 */
public final class InMemoryObjectStore implements ObjectSink {
    private static final long serialVersionUID = 1L;

    private final Map<URI, byte[]> objects = new ConcurrentHashMap<>();
    private volatile String failingSuffix;

    @Override
    public OutputStream create(URI uri) throws IOException {
        String failing = failingSuffix;
        if (failing != null && uri.toString().endsWith(failing)) {
            throw new IOException("injected failure writing " + uri);
        }
        return new ByteArrayOutputStream() {
            @Override
            public void close() {
                objects.put(uri, toByteArray());
            }
        };
    }

    @Override
    public boolean exists(URI uri) {
        return objects.containsKey(uri);
    }

    @Override
    public void delete(URI uri) {
        objects.remove(uri);
    }

    /** The object's bytes, or null when absent. */
    public byte[] get(URI uri) {
        return objects.get(uri);
    }

    /** Keys of the objects present, sorted. */
    public List<String> keys() {
        return objects.keySet().stream().map(URI::toString).sorted().toList();
    }

    /** From now on, every write to a URI ending in {@code suffix} fails (null: none). */
    public void failWritesTo(String suffix) {
        this.failingSuffix = suffix;
    }
}
