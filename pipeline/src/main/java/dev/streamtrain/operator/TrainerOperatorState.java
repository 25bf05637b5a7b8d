package dev.streamtrain.operator;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamtrain.trainer.TrainerState;
import dev.streamtrain.trainer.TrainingCounters;
import java.io.IOException;
import java.util.List;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.OperatorStateStore;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;

/**
 * The trainer operator's list states, each holding one entry (the trainer runs with
 * parallelism 1). Their names and serializers are a savepoint contract: Flink restores operator
 * state by operator uid ({@code model-trainer}) and state name, so renaming a constant or changing a
 * type breaks every savepoint written before. {@link TrainingCounters} is a Flink POJO whose class
 * name is inside the savepoint too: it must stay {@code dev.streamtrain.trainer.TrainingCounters}.
 */
public final class TrainerOperatorState {
    /** {@link TrainerState} bytes: parameters and optimizer state. */
    public static final String MODEL_STATE = "model-and-optimizer";
    /** The partial mini-batch ({@link BatchBuffer} bytes). */
    public static final String PENDING_BATCH_STATE = "pending-batch";
    /** {@link TrainingCounters}, a Flink POJO. */
    public static final String COUNTERS_STATE = "counters";
    /** The open epoch-window, as JSON bytes (see {@link EpochWindow}). */
    public static final String WINDOW_STATE = "epoch-window";
    /** Epochs announced so far, for retention, as JSON bytes (see {@link EpochLedger#toJson}). */
    public static final String COMMITTED_STATE = "committed-epochs";
    /** The run's attempt (lineage), raised by a rollback; kept so that a later plain restore keeps it. */
    public static final String ATTEMPT_STATE = "run-attempt";
    /**
     * The divergence guard ({@link DivergenceGuard} bytes): the last good window's parameters and
     * optimizer state, the running mean, undecided suspect batches. Added after the others: a snapshot
     * of an older build lacks it and restores with the guard started from the restored weights.
     */
    public static final String GUARD_STATE = "divergence-guard";
    /**
     * The open window's holdout rows ({@link HoldoutRows} bytes), scored when it closes. Added with
     * evaluation: a snapshot of an older build lacks it and restores with no holdout rows.
     */
    public static final String HOLDOUT_STATE = "holdout-rows";
    /**
     * The drift detector ({@link dev.streamtrain.eval.PageHinkley} as four numbers), so that a restored
     * run signals at the same batch. Added with evaluation: an older snapshot restores a fresh detector.
     */
    public static final String DRIFT_STATE = "drift-detector";
    /**
     * The promoted epoch's gated holdout metric ({@code store.promote-metric}), a big-endian double, or no
     * bytes when nothing was promoted with a metric yet. Added with metric-gated promotion: a snapshot of
     * an older build lacks it and restores as "nothing promoted yet".
     */
    public static final String PROMOTED_STATE = "promoted-metric";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final ListState<byte[]> model;
    private final ListState<byte[]> pendingBatch;
    private final ListState<TrainingCounters> counters;
    private final ListState<byte[]> window;
    private final ListState<byte[]> committed;
    private final ListState<Integer> attempt;
    private final ListState<byte[]> guard;
    private final ListState<byte[]> holdout;
    private final ListState<byte[]> drift;
    private final ListState<byte[]> promoted;

    private TrainerOperatorState(OperatorStateStore store) throws Exception {
        TypeInformation<byte[]> bytes = PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO;
        model = store.getListState(new ListStateDescriptor<>(MODEL_STATE, bytes));
        pendingBatch = store.getListState(new ListStateDescriptor<>(PENDING_BATCH_STATE, bytes));
        counters = store.getListState(new ListStateDescriptor<>(COUNTERS_STATE, TrainingCounters.class));
        window = store.getListState(new ListStateDescriptor<>(WINDOW_STATE, bytes));
        committed = store.getListState(new ListStateDescriptor<>(COMMITTED_STATE, bytes));
        attempt = store.getListState(new ListStateDescriptor<>(ATTEMPT_STATE, Integer.class));
        guard = store.getListState(new ListStateDescriptor<>(GUARD_STATE, bytes));
        holdout = store.getListState(new ListStateDescriptor<>(HOLDOUT_STATE, bytes));
        drift = store.getListState(new ListStateDescriptor<>(DRIFT_STATE, bytes));
        promoted = store.getListState(new ListStateDescriptor<>(PROMOTED_STATE, bytes));
    }

    /** Registers (or, on restore, reopens) the states in the operator's state store. */
    public static TrainerOperatorState register(OperatorStateStore store) throws Exception {
        return new TrainerOperatorState(store);
    }

    /** The restored model and optimizer, or null when there is no state (a fresh start). */
    public TrainerState model() throws Exception {
        byte[] saved = single(model.get(), MODEL_STATE);
        return saved == null ? null : TrainerState.fromBytes(saved);
    }

    /** The restored partial batch, or null. */
    public byte[] pendingBatch() throws Exception {
        return single(pendingBatch.get(), PENDING_BATCH_STATE);
    }

    public TrainingCounters counters() throws Exception {
        TrainingCounters saved = single(counters.get(), COUNTERS_STATE);
        return saved == null ? new TrainingCounters() : saved;
    }

    /** The restored open window, or the first one. */
    public EpochWindow window() throws Exception {
        byte[] saved = single(window.get(), WINDOW_STATE);
        return saved == null ? EpochWindow.first() : JSON.readValue(saved, EpochWindow.class);
    }

    /** The restored {@link EpochLedger} JSON, or null (states of builds before retention lack it). */
    public byte[] committedEpochs() throws Exception {
        return single(committed.get(), COMMITTED_STATE);
    }

    /** The restored attempt, or 1 (states of builds before lineage lack it). */
    public int attempt() throws Exception {
        Integer saved = single(attempt.get(), ATTEMPT_STATE);
        return saved == null ? 1 : saved;
    }

    /** The restored divergence guard bytes, or null (states of builds before the guard lack it). */
    byte[] guard() throws Exception {
        return single(guard.get(), GUARD_STATE);
    }

    /** The restored holdout rows bytes, or null (states of builds before evaluation lack them). */
    byte[] holdout() throws Exception {
        return single(holdout.get(), HOLDOUT_STATE);
    }

    /** The restored drift detector bytes, or null (states of builds before evaluation lack them). */
    byte[] drift() throws Exception {
        return single(drift.get(), DRIFT_STATE);
    }

    /** The restored promoted metric bytes, or null (states of builds before promotion lack them). */
    byte[] promoted() throws Exception {
        return single(promoted.get(), PROMOTED_STATE);
    }

    /** Replaces the promoted metric's single entry (kept apart from {@link #save}, which predates it). */
    void savePromotion(byte[] promotedMetric) throws Exception {
        promoted.update(List.of(promotedMetric));
    }

    /** Replaces the evaluation states' single entries (kept apart from {@link #save}, which predates them). */
    void saveEvaluation(byte[] holdoutRows, byte[] driftDetector) throws Exception {
        holdout.update(List.of(holdoutRows));
        drift.update(List.of(driftDetector));
    }

    /** Replaces every state's single entry; the model bytes are the caller's copy off the device. */
    void save(
            TrainerState modelState,
            BatchBuffer batch,
            TrainingCounters trainingCounters,
            EpochWindow openWindow,
            EpochLedger ledger,
            int runAttempt,
            DivergenceGuard divergenceGuard)
            throws Exception {
        model.update(List.of(modelState.toBytes()));
        pendingBatch.update(List.of(batch.toBytes()));
        counters.update(List.of(trainingCounters));
        window.update(List.of(writeJson(openWindow)));
        committed.update(List.of(ledger.toJson()));
        attempt.update(List.of(runAttempt));
        guard.update(List.of(divergenceGuard.toBytes()));
    }

    private static byte[] writeJson(Object value) throws IOException {
        return JSON.writeValueAsBytes(value);
    }

    private static <T> T single(Iterable<T> values, String name) {
        T found = null;
        for (T v : values) {
            if (found != null) {
                throw new IllegalStateException("operator state '" + name + "' holds more than one entry: the trainer "
                        + "must run with parallelism 1");
            }
            found = v;
        }
        return found;
    }
}
