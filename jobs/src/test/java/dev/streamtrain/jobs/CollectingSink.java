package dev.streamtrain.jobs;

import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;

/** Collects into a static queue (the MiniCluster runs in the test JVM); for jobs without restarts. */
final class CollectingSink<T> implements Sink<T> {
    private static final long serialVersionUID = 1L;
    private static final Map<String, Queue<Object>> QUEUES = new ConcurrentHashMap<>();
    private final String id;

    CollectingSink(String id) {
        this.id = id;
        QUEUES.put(id, new ConcurrentLinkedQueue<>());
    }

    @SuppressWarnings("unchecked")
    Queue<T> values() {
        return (Queue<T>) (Queue<?>) QUEUES.get(id);
    }

    @Override
    public SinkWriter<T> createWriter(WriterInitContext context) {
        Queue<Object> queue = QUEUES.get(id);
        return new SinkWriter<>() {
            @Override
            public void write(T element, Context ctx) {
                queue.add(element);
            }

            @Override
            public void flush(boolean endOfInput) {}

            @Override
            public void close() {}
        };
    }
}
