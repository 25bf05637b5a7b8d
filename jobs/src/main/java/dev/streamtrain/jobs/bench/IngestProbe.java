package dev.streamtrain.jobs.bench;

import com.sun.management.OperatingSystemMXBean;
import dev.streamtrain.sample.SampleBlock;
import java.lang.management.ManagementFactory;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * The ingest benchmark's no-op trainer: takes the blocks the trainer would get, reads one value
 * of each (so the JIT cannot drop the decoding) and stamps wall and this JVM's CPU time at the first
 * block and at every block after, for a job in a MiniCluster of THIS JVM.
 */
final class IngestProbe extends AbstractStreamOperator<Void> implements OneInputStreamOperator<SampleBlock, Void> {
    private static final long serialVersionUID = 1L;
    private static final Map<String, Stamps> STAMPS = new ConcurrentHashMap<>();
    private static final OperatingSystemMXBean OS =
            (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    /** First and latest block: wall nanos, this process's CPU nanos, rows taken in by then. */
    static final class Stamps {
        volatile long firstNanos = -1;
        volatile long firstCpuNanos;
        volatile long firstRows;
        volatile long lastNanos;
        volatile long lastCpuNanos;
        volatile long rows;
        volatile long blocks;
        volatile double checksum;
    }

    private final String id;
    private transient Stamps stamps;

    IngestProbe(String id) {
        this.id = id;
        STAMPS.put(id, new Stamps());
    }

    static Stamps take(String id) {
        return STAMPS.remove(id);
    }

    @Override
    public void open() throws Exception {
        super.open();
        stamps = STAMPS.get(id);
    }

    @Override
    public void processElement(StreamRecord<SampleBlock> element) {
        SampleBlock block = element.getValue();
        long now = System.nanoTime();
        long cpu = OS.getProcessCpuTime();
        if (stamps.firstNanos < 0) {
            // the first block's rows were read before the first stamp: they count only as the start
            stamps.firstNanos = now;
            stamps.firstCpuNanos = cpu;
            stamps.firstRows = block.rows();
        }
        stamps.lastNanos = now;
        stamps.lastCpuNanos = cpu;
        stamps.rows += block.rows();
        stamps.blocks++;
        stamps.checksum += block.features()[(block.rows() - 1) * block.featureDim()];
    }
}
