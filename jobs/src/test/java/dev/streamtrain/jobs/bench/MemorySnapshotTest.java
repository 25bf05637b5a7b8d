package dev.streamtrain.jobs.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

class MemorySnapshotTest {

    @Test
    void readsTheResidentSetAndTheHeapOfThisJvm() {
        MemorySnapshot snapshot = MemorySnapshot.take(42);

        assertEquals(42, snapshot.samplesTrained());
        long heap = snapshot.heapUsedAfterGcBytes();
        assertTrue(heap > 0, "heap used after GC: " + snapshot);
        assertTrue(
                heap <= ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getCommitted(),
                "no more heap used than committed: " + snapshot);
        // the resident set holds the used heap (touched pages) and more: code, metaspace, stacks
        assertTrue(snapshot.rssBytes() > heap, "RSS above the used heap: " + snapshot);
    }

    @Test
    void statusLinesAreInKilobytes() {
        assertEquals(123_456L * 1024, MemorySnapshot.kilobytesOf("VmRSS:\t  123456 kB"));
        assertThrows(IllegalArgumentException.class, () -> MemorySnapshot.kilobytesOf("VmRSS: 12 MB"));
    }
}
