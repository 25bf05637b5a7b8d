package dev.streamtrain.jobs.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * This JVM's memory at one point of a pipeline run: the resident set of the whole process (Java
 * heap, metaspace, thread stacks, direct buffers and libtorch's native tensors) and the Java heap
 * still used after a full GC, with the samples trained by then. The MiniCluster's TaskManager runs
 * in this JVM, so this is the TaskManager's memory too; the local stack's broker and S3 server are
 * child processes and not counted.
 */
public record MemorySnapshot(long samplesTrained, long rssBytes, long heapUsedAfterGcBytes) {
    private static final Path STATUS = Path.of("/proc/self/status");

    /**
     * Forces a full GC (stop-the-world: call it only where a pause is not timed) and reads the heap
     * and the resident set. {@code rssBytes} is -1 where {@code /proc} is missing (not Linux).
     */
    public static MemorySnapshot take(long samplesTrained) {
        System.gc();
        long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        return new MemorySnapshot(samplesTrained, residentSetBytes(), heap);
    }

    /** VmRSS of {@code /proc/self/status} (kB there), in bytes; -1 when it cannot be read. */
    static long residentSetBytes() {
        try {
            return Files.readAllLines(STATUS).stream()
                    .filter(line -> line.startsWith("VmRSS:"))
                    .findFirst()
                    .map(MemorySnapshot::kilobytesOf)
                    .orElse(-1L);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** "VmRSS:     123456 kB" → 123456 × 1024. */
    static long kilobytesOf(String statusLine) {
        String[] f = statusLine.trim().split("\\s+");
        if (f.length != 3 || !f[2].equals("kB")) {
            throw new IllegalArgumentException("not a kB line of /proc/self/status: " + statusLine);
        }
        return Long.parseLong(f[1]) * 1024;
    }
}
