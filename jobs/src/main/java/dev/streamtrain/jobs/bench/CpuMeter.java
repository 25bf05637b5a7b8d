package dev.streamtrain.jobs.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Where the machine's CPU time went during a measurement: to this JVM and its child JVMs (the
 * local stack's broker and S3 server), or to other processes. A benchmark on a shared machine is
 * only as good as the second number is small. Linux only ({@code /proc}); elsewhere the figures are NaN.
 */
public final class CpuMeter {
    /** USER_HZ, the unit of /proc's CPU times; 100 on every mainstream Linux. */
    private static final double TICKS_PER_SECOND = 100.0;

    private final long startNanos;
    private final long[] startMachine;
    private final long startOwn;

    private CpuMeter() {
        startNanos = System.nanoTime();
        startMachine = machineTicks();
        startOwn = ownTicks();
    }

    public static CpuMeter start() {
        return new CpuMeter();
    }

    /** Average cores in use since {@link #start()}: by this JVM and its children, and by everything else. */
    public record Usage(double ownCores, double otherCores) {
        public String describe() {
            return String.format(
                    "CPU: %.2f cores this benchmark (JVM + stack), %.2f cores other processes", ownCores, otherCores);
        }
    }

    public Usage stop() {
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        long[] machine = machineTicks();
        long own = ownTicks();
        if (machine == null || startMachine == null || own < 0 || startOwn < 0 || seconds <= 0) {
            return new Usage(Double.NaN, Double.NaN);
        }
        double busyCores = (machine[0] - startMachine[0]) / TICKS_PER_SECOND / seconds;
        double ownCores = (own - startOwn) / TICKS_PER_SECOND / seconds;
        return new Usage(ownCores, Math.max(0, busyCores - ownCores));
    }

    /** Busy ticks of all CPUs together (idle and iowait left out), or null. */
    private static long[] machineTicks() {
        try {
            String cpu = Files.readAllLines(Path.of("/proc/stat")).get(0);
            String[] f = cpu.trim().split("\\s+"); // cpu user nice system idle iowait irq softirq steal ...
            long busy = 0;
            for (int i = 1; i <= Math.min(8, f.length - 1); i++) {
                if (i != 4 && i != 5) {
                    busy += Long.parseLong(f[i]);
                }
            }
            return new long[] {busy};
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** User + system ticks of this JVM and its live descendants, or -1. */
    private static long ownTicks() {
        long self = processTicks(ProcessHandle.current().pid());
        if (self < 0) {
            return -1;
        }
        List<Long> children =
                ProcessHandle.current().descendants().map(ProcessHandle::pid).toList();
        for (long pid : children) {
            self += Math.max(0, processTicks(pid));
        }
        return self;
    }

    private static long processTicks(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
            // the command name (field 2) may hold spaces; fields after it start with the state (field 3)
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[14 - 3]) + Long.parseLong(f[15 - 3]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
