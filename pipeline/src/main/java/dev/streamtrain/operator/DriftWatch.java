package dev.streamtrain.operator;

import dev.streamtrain.eval.EvalSettings;
import dev.streamtrain.eval.PageHinkley;
import dev.streamtrain.store.Manifest;
import java.util.Map;

/**
 * The drift detector over the losses of accepted batches, with its tuning. Its state is operator
 * state ({@code drift-detector}), so a restored run signals at the same batch.
 */
final class DriftWatch {
    private final PageHinkley.Settings settings;
    /** Null when drift detection is off. */
    private PageHinkley detector;

    private DriftWatch(PageHinkley.Settings settings, PageHinkley detector) {
        this.settings = settings;
        this.detector = detector;
    }

    /** {@code saved} is used only when the trainer restored its state too; empty or null: a fresh detector. */
    static DriftWatch restore(EvalSettings eval, boolean restoring, byte[] saved) {
        if (!eval.detectsDrift()) {
            return new DriftWatch(null, null);
        }
        boolean resumes = restoring && saved != null && saved.length > 0;
        return new DriftWatch(eval.drift(), resumes ? PageHinkley.fromBytes(saved) : PageHinkley.start());
    }

    boolean on() {
        return detector != null;
    }

    /** Feeds an accepted batch's loss: the signal when it completes one (the detector starts over), else null. */
    DriftSignal add(long epoch, float loss, Map<String, Manifest.OffsetRange> batchOffsets) {
        detector = detector.add(loss, settings);
        if (!detector.drifted(settings)) {
            return null;
        }
        DriftSignal signal = new DriftSignal(epoch, detector.statistic(), detector.count(), loss, batchOffsets);
        detector = PageHinkley.start();
        return signal;
    }

    byte[] toBytes() {
        return detector == null ? new byte[0] : detector.toBytes();
    }
}
