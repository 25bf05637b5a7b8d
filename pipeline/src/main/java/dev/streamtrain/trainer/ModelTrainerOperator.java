package dev.streamtrain.trainer;

import dev.streamtrain.sample.Sample;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MeterView;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains a DJL model on the sample stream. The model parameters, the optimizer state, the partial
 * mini-batch and the counters are operator state, so every Flink checkpoint and savepoint holds
 * them and a restore resumes training exactly where it stopped: with one input partition the
 * weights after a failure and recovery equal, bitwise, those of a run without failure.
 *
 * <p>Runs with parallelism 1 (its state is one model). State names are a public contract: see
 * {@link #MODEL_STATE}, {@link #PENDING_BATCH_STATE}, {@link #COUNTERS_STATE}.
 */
public class ModelTrainerOperator extends AbstractStreamOperator<TrainingReport>
        implements OneInputStreamOperator<Sample, TrainingReport>, BoundedOneInput {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(ModelTrainerOperator.class);

    /** {@code TrainerState} bytes: parameters and optimizer state. Changing a name breaks savepoints. */
    public static final String MODEL_STATE = "model-and-optimizer";
    public static final String PENDING_BATCH_STATE = "pending-batch";
    public static final String COUNTERS_STATE = "counters";

    private final ModelSpec spec;
    private final long reportEverySamples;

    private transient DjlTrainer trainer;
    private transient BatchBuffer batch;
    private transient TrainingCounters counters;
    private transient ListState<byte[]> modelState;
    private transient ListState<byte[]> pendingState;
    private transient ListState<TrainingCounters> countersState;

    private transient Counter samplesMetric;
    private transient Counter batchesMetric;
    private transient volatile double lastMeanLoss = Double.NaN;
    private transient long reportStartNanos;
    private transient long reportStartSamples;

    public ModelTrainerOperator(ModelSpec spec, long reportEverySamples) {
        if (reportEverySamples <= 0) {
            throw new IllegalArgumentException("reportEverySamples must be positive, got " + reportEverySamples);
        }
        this.spec = spec;
        this.reportEverySamples = reportEverySamples;
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        TypeInformation<byte[]> bytes = PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO;
        modelState = context.getOperatorStateStore().getListState(new ListStateDescriptor<>(MODEL_STATE, bytes));
        pendingState = context.getOperatorStateStore().getListState(new ListStateDescriptor<>(PENDING_BATCH_STATE, bytes));
        countersState = context.getOperatorStateStore().getListState(
                new ListStateDescriptor<>(COUNTERS_STATE, TrainingCounters.class));

        batch = new BatchBuffer(spec.batchSize(), spec.inputDim(), labelWidth(spec));
        byte[] saved = single(modelState.get(), MODEL_STATE);
        if (saved != null) {
            trainer = DjlTrainer.restore(spec, TrainerState.fromBytes(saved));
            byte[] pending = single(pendingState.get(), PENDING_BATCH_STATE);
            if (pending != null) {
                batch.restore(pending);
            }
            counters = single(countersState.get(), COUNTERS_STATE);
            LOG.info("trainer restored: {} samples trained, {} pending, on {}", counters.samplesTrained, batch.rows(),
                    trainer.deviceDescription());
        } else {
            trainer = DjlTrainer.create(spec);
            counters = new TrainingCounters();
            LOG.info("trainer started fresh on {}", trainer.deviceDescription());
        }
    }

    @Override
    public void open() throws Exception {
        super.open();
        samplesMetric = getMetricGroup().counter("samplesTrained");
        batchesMetric = getMetricGroup().counter("batches");
        getMetricGroup().meter("samplesPerSecond", new MeterView(samplesMetric));
        getMetricGroup().gauge("meanLoss", () -> lastMeanLoss);
        reportStartNanos = System.nanoTime();
        reportStartSamples = counters.samplesTrained;
    }

    @Override
    public void processElement(StreamRecord<Sample> element) throws Exception {
        Sample s = element.getValue();
        if (batch.add(s.features, s.label)) {
            trainFullBatch();
        }
    }

    private void trainFullBatch() {
        float loss = trainer.trainBatch(batch.features(), batch.labels(), batch.rows());
        int rows = batch.rows();
        batch.clear();
        counters.samplesTrained += rows;
        counters.batches++;
        counters.lossSinceReport += loss;
        counters.batchesSinceReport++;
        samplesMetric.inc(rows);
        batchesMetric.inc();
        if (counters.samplesTrained - counters.samplesAtLastReport >= reportEverySamples) {
            output.collect(new StreamRecord<>(report(false)));
        }
    }

    private TrainingReport report(boolean last) {
        TrainingReport r = new TrainingReport();
        r.samplesTrained = counters.samplesTrained;
        r.batches = counters.batches;
        r.meanLoss = counters.batchesSinceReport == 0 ? Double.NaN : counters.lossSinceReport / counters.batchesSinceReport;
        long now = System.nanoTime();
        r.samplesPerSecond = (counters.samplesTrained - reportStartSamples) / Math.max(1e-9, (now - reportStartNanos) / 1e9);
        r.pendingSamples = batch.rows();
        r.last = last;
        r.device = trainer.deviceDescription();
        if (last) {
            r.state = trainer.snapshot().toBytes();
            r.stateSha256 = sha256(r.state);
        }
        if (!Double.isNaN(r.meanLoss)) {
            lastMeanLoss = r.meanLoss;
        }
        counters.lossSinceReport = 0;
        counters.batchesSinceReport = 0;
        counters.samplesAtLastReport = counters.samplesTrained;
        reportStartNanos = now;
        reportStartSamples = counters.samplesTrained;
        return r;
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        // Copies the weights off the device; the copy is what the checkpoint holds.
        modelState.update(List.of(trainer.snapshot().toBytes()));
        pendingState.update(List.of(batch.toBytes()));
        countersState.update(List.of(counters));
    }

    /** End of a bounded input: report the final model (the partial batch stays pending, as it would in a stream). */
    @Override
    public void endInput() {
        output.collect(new StreamRecord<>(report(true)));
    }

    @Override
    public void close() throws Exception {
        try {
            if (trainer != null) {
                trainer.close();
                trainer = null;
            }
        } finally {
            super.close();
        }
    }

    static int labelWidth(ModelSpec spec) {
        return spec.loss() == ModelSpec.Loss.SOFTMAX_CROSS_ENTROPY ? 1 : spec.outputDim();
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

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
