package dev.streamtrain.operator;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamtrain.trainer.TrainerState;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Decides, batch by batch, whether training diverges, and keeps what a recovery needs: the weights
 * and optimizer state at the close of the last good window, the running mean of accepted losses, and
 * the rows of the suspect batches seen in a row.
 *
 * <p>A non-finite batch loss fires at once; a finite loss above {@link GuardSettings#lossMultiple()}
 * times the running mean is suspect, and {@link GuardSettings#consecutiveBatches()} suspect batches
 * in a row fire. After a firing the guard stays alert until a batch is accepted: each suspect batch
 * then fires at once (one episode, one event). Suspect losses never enter the running mean.
 *
 * <p>Every input to a decision is data: batch losses (bitwise reproducible, since batches are formed
 * by count) and window boundaries. No clock, no checkpoint timing: the guard fires at the same batch
 * in a run with failures and restores as in one without. The whole guard is operator state
 * ({@link TrainerOperatorState#GUARD_STATE}).
 */
final class DivergenceGuard {
    static final String NON_FINITE_LOSS = "NON_FINITE_LOSS";
    static final String LOSS_SPIKE = "LOSS_SPIKE";
    static final String NON_FINITE_WEIGHTS = "NON_FINITE_WEIGHTS";

    private static final int FORMAT = 1;
    private static final ObjectMapper JSON = new ObjectMapper();

    enum Verdict {
        ACCEPT,
        SUSPECT,
        FIRE
    }

    private final GuardSettings settings;
    private double runningMean;
    private long acceptedBatches;
    /** Suspect batches in a row, not yet decided. */
    private final List<BatchBuffer> held = new ArrayList<>();

    private final int batchCapacity;
    private final int inputDim;
    private final int labelWidth;
    private TrainerState lastGood;
    private long lastGoodEpoch;
    private long lastGoodSamplesTrained;
    /** The open episode: the guard fired and no batch was accepted since. */
    private DivergenceEpisode episode;
    /** A window reached its end while the guard was undecided; it closes at the next accepted batch. */
    private boolean closeDue;

    private DivergenceGuard(GuardSettings settings, int batchCapacity, int inputDim, int labelWidth) {
        this.settings = settings;
        this.batchCapacity = batchCapacity;
        this.inputDim = inputDim;
        this.labelWidth = labelWidth;
    }

    /**
     * A guard whose last good state is {@code good}: the initial weights (epoch 0), or — restoring a
     * snapshot of a build without the guard — the restored weights, standing for the window before.
     */
    static DivergenceGuard start(
            GuardSettings settings, BatchBuffer shape, TrainerState good, long goodEpoch, long samplesTrained) {
        DivergenceGuard g = new DivergenceGuard(settings, shape.capacity(), shape.inputDim(), shape.labelWidth());
        g.lastGood = good;
        g.lastGoodEpoch = goodEpoch;
        g.lastGoodSamplesTrained = samplesTrained;
        return g;
    }

    boolean enabled() {
        return settings.enabled();
    }

    /**
     * Judges a trained batch's loss. ACCEPT updates the running mean and ends a streak or an episode;
     * SUSPECT and FIRE want the batch's rows ({@link #hold}) before anything else.
     */
    Verdict judge(float loss) {
        if (!settings.enabled()) {
            return Verdict.ACCEPT;
        }
        if (!Float.isFinite(loss)) {
            return Verdict.FIRE;
        }
        boolean warm = acceptedBatches >= settings.meanBatches();
        if (warm && loss > settings.lossMultiple() * runningMean) {
            return episode != null || held.size() + 1 >= settings.consecutiveBatches() ? Verdict.FIRE : Verdict.SUSPECT;
        }
        acceptedBatches++;
        double weight = 1.0 / Math.min(acceptedBatches, settings.meanBatches());
        runningMean += (loss - runningMean) * weight;
        held.clear();
        return Verdict.ACCEPT;
    }

    /** Keeps a copy of a suspect (or firing) batch's rows until the guard decides. */
    void hold(BatchBuffer rows) {
        held.add(rows);
    }

    /**
     * Records a firing: the held batches are the ones to dead-letter (returned, and forgotten here),
     * {@code discardedSamples} the samples trained since the last good window. The caller restores
     * {@link #lastGood()}.
     */
    List<BatchBuffer> fire(String trigger, float loss, long discardedSamples) {
        if (episode == null) {
            episode = new DivergenceEpisode();
            episode.restoredEpoch = lastGoodEpoch;
            episode.trigger = trigger;
            episode.loss = loss;
            episode.runningMean = runningMean;
        }
        episode.firings++;
        episode.discardedSamples += discardedSamples;
        List<BatchBuffer> skipped = new ArrayList<>(held);
        for (BatchBuffer b : skipped) {
            for (int r = 0; r < b.rows(); r++) {
                episode.skipped(b.topic(r), b.partition(r), b.offset(r));
            }
        }
        held.clear();
        return skipped;
    }

    /** The episode that an accepted batch just ended (then forgotten here), or null. */
    DivergenceEpisode takeEndedEpisode() {
        if (episode == null || !held.isEmpty()) {
            return null;
        }
        DivergenceEpisode ended = episode;
        episode = null;
        return ended;
    }

    /** The episode still open at the end of input (then forgotten here), or null. */
    DivergenceEpisode takeOpenEpisode() {
        DivergenceEpisode open = episode;
        episode = null;
        return open;
    }

    /** Whether a window may close now: no suspect batch undecided, no episode open. */
    boolean quiet() {
        return held.isEmpty() && episode == null;
    }

    /** A window closed while quiet: its weights are the new restore point. */
    void goodWindow(TrainerState snapshot, long epoch, long samplesTrained) {
        lastGood = snapshot;
        lastGoodEpoch = epoch;
        lastGoodSamplesTrained = samplesTrained;
        closeDue = false;
    }

    TrainerState lastGood() {
        return lastGood;
    }

    long lastGoodSamplesTrained() {
        return lastGoodSamplesTrained;
    }

    boolean closeDue() {
        return closeDue;
    }

    void closeDue(boolean due) {
        closeDue = due;
    }

    double runningMean() {
        return runningMean;
    }

    long acceptedBatches() {
        return acceptedBatches;
    }

    /** A start from an epoch artifact: the running mean as it was when that window closed. */
    void resumeRunningMean(double mean, long accepted) {
        runningMean = mean;
        acceptedBatches = accepted;
    }

    /** Whether every parameter and moment is finite: weights that are not are never published. */
    static boolean finite(TrainerState state) {
        for (TrainerState.ParameterState p : state.parameters()) {
            if (!finite(p.valuesView())
                    || p.hasMoments() && (!finite(p.firstMomentView()) || !finite(p.secondMomentView()))) {
                return false;
            }
        }
        return true;
    }

    private static boolean finite(FloatBuffer values) {
        while (values.hasRemaining()) {
            if (!Float.isFinite(values.get())) {
                return false;
            }
        }
        return true;
    }

    byte[] toBytes() {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeInt(FORMAT);
            out.writeDouble(runningMean);
            out.writeLong(acceptedBatches);
            out.writeBoolean(closeDue);
            out.writeLong(lastGoodEpoch);
            out.writeLong(lastGoodSamplesTrained);
            writeBlob(out, lastGood == null ? null : lastGood.toBytes());
            out.writeInt(held.size());
            for (BatchBuffer b : held) {
                writeBlob(out, b.toBytes());
            }
            writeBlob(out, episode == null ? null : JSON.writeValueAsBytes(episode));
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static DivergenceGuard fromBytes(byte[] saved, GuardSettings settings, BatchBuffer shape) {
        DivergenceGuard g = new DivergenceGuard(settings, shape.capacity(), shape.inputDim(), shape.labelWidth());
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(saved))) {
            int format = in.readInt();
            if (format != FORMAT) {
                throw new IllegalStateException("divergence guard state of format " + format + " is not readable by "
                        + "this build (reads " + FORMAT + ")");
            }
            g.runningMean = in.readDouble();
            g.acceptedBatches = in.readLong();
            g.closeDue = in.readBoolean();
            g.lastGoodEpoch = in.readLong();
            g.lastGoodSamplesTrained = in.readLong();
            byte[] good = readBlob(in);
            g.lastGood = good == null ? null : TrainerState.fromBytes(good);
            int heldCount = in.readInt();
            for (int i = 0; i < heldCount; i++) {
                BatchBuffer b = new BatchBuffer(g.batchCapacity, g.inputDim, g.labelWidth);
                b.restore(readBlob(in));
                g.held.add(b);
            }
            byte[] episode = readBlob(in);
            g.episode = episode == null ? null : JSON.readValue(episode, DivergenceEpisode.class);
            return g;
        } catch (IOException e) {
            throw new UncheckedIOException("unreadable divergence guard state", e);
        }
    }

    private static void writeBlob(DataOutputStream out, byte[] blob) throws IOException {
        out.writeInt(blob == null ? -1 : blob.length);
        if (blob != null) {
            out.write(blob);
        }
    }

    private static byte[] readBlob(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length < 0) {
            return null;
        }
        byte[] blob = new byte[length];
        in.readFully(blob);
        return blob;
    }
}
