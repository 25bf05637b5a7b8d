package dev.streamtrain.jobs.bench;

import dev.streamtrain.trainer.TrainingReport;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;

/**
 * Keeps the training reports of a job running in a MiniCluster of THIS JVM, each with the
 * {@link System#nanoTime()} at which it arrived (the sink is chained to the trainer, so that is
 * when the trainer emitted it). Not for jobs that restart: a replay would add reports twice.
 *
 * <p>The first and the end-of-input report also carry a {@link MemorySnapshot}, taken in the task
 * thread while the job still holds its model, optimizer and buffers: memory once the job is running
 * and memory after the whole stream. Its full GC pauses the trainer once inside the timed window
 * (after the first report, a fraction of a second); the second one comes after the last timed interval.
 */
final class TimedReportSink implements Sink<TrainingReport> {
    private static final long serialVersionUID = 1L;
    private static final Map<String, Queue<Arrival>> QUEUES = new ConcurrentHashMap<>();

    /** {@code memory} is null except on the first and the end-of-input report. */
    record Arrival(long nanoTime, TrainingReport report, MemorySnapshot memory) {}

    private final String id;

    TimedReportSink(String id) {
        this.id = id;
        QUEUES.put(id, new ConcurrentLinkedQueue<>());
    }

    /** The newest report so far, or null (for progress output while the job runs). */
    TrainingReport latest() {
        Arrival last = null;
        for (Arrival a : QUEUES.getOrDefault(id, new ConcurrentLinkedQueue<>())) {
            last = a;
        }
        return last == null ? null : last.report();
    }

    /** The reports so far, in arrival order; forgets them. */
    List<Arrival> drain() {
        Queue<Arrival> q = QUEUES.remove(id);
        return q == null ? List.of() : new ArrayList<>(q);
    }

    @Override
    public SinkWriter<TrainingReport> createWriter(WriterInitContext context) {
        Queue<Arrival> queue = QUEUES.get(id);
        return new SinkWriter<>() {
            @Override
            public void write(TrainingReport report, Context ctx) {
                long arrived = System.nanoTime(); // before the snapshot's GC
                boolean measure = queue.isEmpty() || report.last;
                MemorySnapshot memory = measure ? MemorySnapshot.take(report.samplesTrained) : null;
                queue.add(new Arrival(arrived, report, memory));
            }

            @Override
            public void flush(boolean endOfInput) {}

            @Override
            public void close() {}
        };
    }
}
