package dev.streamtrain.trainer;

import ai.djl.engine.Engine;
import ai.djl.engine.EngineException;
import ai.djl.pytorch.jni.JniUtils;
import java.io.Serializable;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.TaskManagerOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sizes libtorch's thread pools for the trainer from the CPU share of its slot, instead of
 * libtorch's default of one thread per core for each pool, which on a TaskManager competes with
 * Flink's own threads (Kafka fetcher, sinks, checkpoints) and with the other slots.
 *
 * <p>What libtorch allows, checked against DJL 0.36 and libtorch 2.7 on this machine:
 * <ul>
 *   <li>DJL reads {@code ai.djl.pytorch.num_threads} / {@code num_interop_threads} once per JVM,
 *       when the first {@code Engine.getEngine("PyTorch")} starts the engine, and applies them
 *       with {@link JniUtils#setNumThreads} / {@link JniUtils#setNumInteropThreads}; when they
 *       are set here they win over everything below.
 *   <li>The intra-op pool (OpenMP) is sized per calling thread: {@code setNumThreads(n)} sets the
 *       caller's team size and the default for threads that start using torch later; threads that
 *       already did keep theirs. So two trainers in two slots of one TaskManager each size their
 *       own task thread, independently.
 *   <li>The inter-op pool is one per process and can be sized once, before it starts: a second
 *       {@code setNumInteropThreads} throws ("cannot set number of interop threads after parallel
 *       work has started or set_num_interop_threads called"). The first trainer in a TaskManager
 *       sizes it; later ones (another slot, a restarted job) find it sized and log so. The trainer
 *       runs no inter-op parallel work (a sequential model on one thread), so AUTO is 1.
 * </ul>
 */
public final class TorchThreads {
    private static final Logger LOG = LoggerFactory.getLogger(TorchThreads.class);

    public static final String NUM_THREADS_PROPERTY = "ai.djl.pytorch.num_threads";
    public static final String NUM_INTEROP_THREADS_PROPERTY = "ai.djl.pytorch.num_interop_threads";
    /**
     * What the rest of the trainer's chain needs besides the task thread itself: the Kafka
     * fetcher thread, the sinks' producers, checkpoint uploads. Decoding runs on the task thread,
     * between the model's steps, so it needs no core of its own.
     */
    static final double REST_OF_CHAIN_CORES = 1.0;

    private static final AtomicReference<Applied> LAST_APPLIED = new AtomicReference<>();

    private TorchThreads() {}

    /**
     * What the job asks for: a positive count, or null for AUTO.
     *
     * @param intraOp {@code model.threads}
     * @param interOp {@code model.interop-threads}
     */
    public record Request(Integer intraOp, Integer interOp) implements Serializable {
        public static final Request AUTO = new Request(null, null);

        public Request {
            if (intraOp != null && intraOp < 1 || interOp != null && interOp < 1) {
                throw new IllegalArgumentException("thread counts must be AUTO or at least 1, got " + intraOp
                        + " intra-op, " + interOp + " inter-op");
            }
        }

        /**
         * Parses {@code AUTO} (any case) to null, else a positive integer.
         *
         * @throws IllegalArgumentException naming {@code key}
         */
        public static Integer parse(String key, String value) {
            String v = value == null ? "" : value.trim();
            if (v.equalsIgnoreCase("AUTO")) {
                return null;
            }
            try {
                int n = Integer.parseInt(v);
                if (n >= 1) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // the message below says what is accepted
            }
            throw new IllegalArgumentException(key + " = '" + value + "': give AUTO or a thread count of at least 1");
        }
    }

    /** The CPU share of one slot: the TaskManager's cores divided by its slots. */
    public record SlotShare(double cores, int slots, String coresSource) {
        public double perSlot() {
            return cores / slots;
        }

        /**
         * From a TaskManager's configuration: {@code taskmanager.cpu.cores} if set, else the JVM's
         * processors — never more than the processors: a MiniCluster sets {@code
         * taskmanager.cpu.cores} to Double.MAX_VALUE ("unlimited" for local execution), and
         * libtorch would try to start that many OpenMP threads.
         */
        public static SlotShare of(Configuration taskManager) {
            int slots = Math.max(1, taskManager.get(TaskManagerOptions.NUM_TASK_SLOTS));
            int processors = Runtime.getRuntime().availableProcessors();
            return taskManager
                    .getOptional(TaskManagerOptions.CPU_CORES)
                    .filter(c -> c > 0 && c <= processors)
                    .map(c -> new SlotShare(c, slots, TaskManagerOptions.CPU_CORES.key()))
                    .orElseGet(() -> new SlotShare(processors, slots, "available processors"));
        }
    }

    /** The pool sizes chosen, and why (for the log and the bench). */
    public record Choice(
            int intraOp,
            String intraOpReason,
            int interOp,
            String interOpReason,
            boolean intraOpFromProperty,
            boolean interOpFromProperty) {
        public String describe() {
            return intraOp + " intra-op (" + intraOpReason + "), " + interOp + " inter-op (" + interOpReason + ")";
        }
    }

    /** What libtorch uses on the calling thread after {@link #apply}. */
    public record Applied(Choice choice, int intraOp, int interOp, String note) {
        public String describe() {
            return "libtorch uses " + intraOp + " intra-op and " + interOp + " inter-op threads; chosen: "
                    + choice.describe() + (note.isEmpty() ? "" : "; " + note);
        }
    }

    /** Decides the sizes: DJL's system properties win, then the job's keys, then AUTO from the slot's share. */
    public static Choice choose(Request request, SlotShare share, UnaryOperator<String> systemProperties) {
        String intraProperty = systemProperties.apply(NUM_THREADS_PROPERTY);
        String interProperty = systemProperties.apply(NUM_INTEROP_THREADS_PROPERTY);
        int autoIntra = Math.max(1, (int) Math.floor(share.perSlot() - REST_OF_CHAIN_CORES));
        String autoReason = String.format(
                Locale.ROOT,
                "AUTO: %.1f cores (%s) / %d slots - %.0f for the rest of the chain",
                share.cores(),
                share.coresSource(),
                share.slots(),
                REST_OF_CHAIN_CORES);
        int intra;
        String intraReason;
        boolean intraFromProperty = false;
        if (intraProperty != null && !intraProperty.isBlank()) {
            intra = Integer.parseInt(intraProperty.trim());
            intraReason = "-D" + NUM_THREADS_PROPERTY;
            intraFromProperty = true;
        } else if (request.intraOp() != null) {
            intra = request.intraOp();
            intraReason = "model.threads";
        } else {
            intra = autoIntra;
            intraReason = autoReason;
        }
        int inter;
        String interReason;
        boolean interFromProperty = false;
        if (interProperty != null && !interProperty.isBlank()) {
            inter = Integer.parseInt(interProperty.trim());
            interReason = "-D" + NUM_INTEROP_THREADS_PROPERTY;
            interFromProperty = true;
        } else if (request.interOp() != null) {
            inter = request.interOp();
            interReason = "model.interop-threads";
        } else {
            inter = 1;
            interReason = "AUTO: the trainer runs no inter-op parallel work";
        }
        return new Choice(intra, intraReason, inter, interReason, intraFromProperty, interFromProperty);
    }

    /**
     * Applies {@code choice} on the calling thread (the trainer's task thread, before its first
     * step) and logs what libtorch uses. Sizes that came from DJL's properties were applied by DJL
     * at engine start and are left alone.
     */
    public static Applied apply(Choice choice) {
        Engine.getEngine("PyTorch"); // loads libtorch (DJL applies its own properties here, once per JVM)
        if (!choice.intraOpFromProperty()) {
            JniUtils.setNumThreads(choice.intraOp());
        }
        String note = "";
        if (!choice.interOpFromProperty() && JniUtils.getNumInteropThreads() != choice.interOp()) {
            try {
                JniUtils.setNumInteropThreads(choice.interOp());
            } catch (EngineException e) {
                note = "the inter-op pool is one per process and was already sized (by another trainer in this "
                        + "TaskManager, or by an earlier job in it), so it stays at " + JniUtils.getNumInteropThreads();
            }
        }
        Applied applied = new Applied(choice, JniUtils.getNumThreads(), JniUtils.getNumInteropThreads(), note);
        LAST_APPLIED.set(applied);
        LOG.info("thread pools: {}", applied.describe());
        return applied;
    }

    /** The last {@link #apply} in this JVM, or null: for tools that run the job in-process (the bench). */
    public static Applied lastApplied() {
        return LAST_APPLIED.get();
    }
}
