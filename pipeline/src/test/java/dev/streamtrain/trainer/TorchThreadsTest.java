package dev.streamtrain.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.pytorch.jni.JniUtils;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.TaskManagerOptions;
import org.junit.jupiter.api.Test;

/** The pool sizes follow the slot's CPU share; DJL's properties and the job's keys win, in that order. */
class TorchThreadsTest {
    private static final Map<String, String> NO_PROPERTIES = Map.of();

    private static TorchThreads.Choice choose(
            TorchThreads.Request request, double cores, int slots, Map<String, String> properties) {
        return TorchThreads.choose(request, new TorchThreads.SlotShare(cores, slots, "test"), properties::get);
    }

    @Test
    void autoIsTheSlotShareLessOneCoreForTheRestOfTheChainAndNeverBelowOne() {
        assertEquals(1, choose(TorchThreads.Request.AUTO, 2, 1, NO_PROPERTIES).intraOp());
        assertEquals(7, choose(TorchThreads.Request.AUTO, 16, 2, NO_PROPERTIES).intraOp());
        assertEquals(1, choose(TorchThreads.Request.AUTO, 2, 4, NO_PROPERTIES).intraOp());
        assertEquals(1, choose(TorchThreads.Request.AUTO, 16, 2, NO_PROPERTIES).interOp());
    }

    @Test
    void jobKeysBeatAutoAndDjlPropertiesBeatJobKeys() {
        TorchThreads.Request asked = new TorchThreads.Request(3, 2);
        TorchThreads.Choice byKeys = choose(asked, 16, 1, NO_PROPERTIES);
        assertEquals(3, byKeys.intraOp());
        assertEquals(2, byKeys.interOp());
        TorchThreads.Choice byProperties = choose(
                asked,
                16,
                1,
                Map.of(TorchThreads.NUM_THREADS_PROPERTY, "5", TorchThreads.NUM_INTEROP_THREADS_PROPERTY, "4"));
        assertEquals(5, byProperties.intraOp());
        assertEquals(4, byProperties.interOp());
        assertTrue(byProperties.intraOpFromProperty() && byProperties.interOpFromProperty());
    }

    @Test
    void slotShareComesFromTheTaskManagersCoresAndSlots() {
        Configuration tm = new Configuration();
        tm.set(TaskManagerOptions.NUM_TASK_SLOTS, 4);
        int processors = Runtime.getRuntime().availableProcessors();
        tm.set(TaskManagerOptions.CPU_CORES, (double) processors);
        assertEquals(processors / 4.0, TorchThreads.SlotShare.of(tm).perSlot());
        Configuration miniCluster = new Configuration(); // local execution sets "unlimited" cores
        miniCluster.set(TaskManagerOptions.CPU_CORES, Double.MAX_VALUE);
        assertEquals(processors, TorchThreads.SlotShare.of(miniCluster).cores());
        Configuration defaults = new Configuration();
        assertEquals(
                Runtime.getRuntime().availableProcessors(),
                TorchThreads.SlotShare.of(defaults).perSlot());
    }

    @Test
    void parseAcceptsAutoOrAPositiveCountAndNamesTheKeyOtherwise() {
        assertEquals(null, TorchThreads.Request.parse("model.threads", "auto"));
        assertEquals(4, TorchThreads.Request.parse("model.threads", " 4 "));
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> TorchThreads.Request.parse("model.threads", "0"));
        assertTrue(e.getMessage().contains("model.threads = '0'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TorchThreads.Request.parse("model.threads", "many"));
    }

    /** Two trainers in one process: each task thread keeps the intra-op size it set for itself. */
    @Test
    void intraOpSizeIsPerThread() throws Exception {
        AtomicInteger seenByOther = new AtomicInteger();
        Thread other = new Thread(() -> {
            TorchThreads.apply(choose(new TorchThreads.Request(2, null), 2, 1, NO_PROPERTIES));
            seenByOther.set(JniUtils.getNumThreads());
        });
        TorchThreads.Applied mine = TorchThreads.apply(choose(new TorchThreads.Request(1, null), 2, 1, NO_PROPERTIES));
        other.start();
        other.join();
        assertEquals(1, mine.intraOp());
        assertEquals(1, JniUtils.getNumThreads(), "the other thread's setting must not change this thread's pool");
        assertEquals(2, seenByOther.get());
        assertEquals(1, JniUtils.getNumInteropThreads(), "AUTO sizes the process-wide inter-op pool to 1");
    }
}
