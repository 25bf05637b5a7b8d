package dev.streamtrain.operator;

import dev.streamtrain.sample.SampleSchema;
import dev.streamtrain.trainer.DjlTrainer;
import dev.streamtrain.trainer.TrainingCounters;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the trainer does with the {@link DivergenceGuard}'s verdicts. A batch the guard does not
 * accept leaves a copy of its rows with the guard. When the guard fires, the weights and optimizer
 * state of the last good window come back, the sample counter goes back with them, the open window
 * restarts, and the rows of the offending batches become dead letters of reason DIVERGED. The next
 * accepted batch ends the episode: one {@code diverged} event.
 *
 * <p>Flink-free: it acts on the trainer and counters it was given and reports to a {@link
 * TrainingOutput}. Like the guard, it uses no clock, so it acts at the same batch whenever
 * checkpoints happen.
 */
final class DivergenceRecovery {
    private static final Logger LOG = LoggerFactory.getLogger(DivergenceRecovery.class);

    private final DivergenceGuard guard;
    private final SampleSchema deadLetterSchema;
    private final DjlTrainer trainer;
    private final TrainingCounters counters;

    DivergenceRecovery(
            DivergenceGuard guard, SampleSchema deadLetterSchema, DjlTrainer trainer, TrainingCounters counters) {
        this.guard = guard;
        this.deadLetterSchema = deadLetterSchema;
        this.trainer = trainer;
        this.counters = counters;
    }

    /**
     * Judges a trained batch's loss; a batch that is not accepted leaves {@code rows} (an
     * independent copy, asked for only then) with the guard until it decides.
     */
    DivergenceGuard.Verdict judge(float loss, Supplier<BatchBuffer> rows) {
        DivergenceGuard.Verdict verdict = guard.judge(loss);
        if (verdict != DivergenceGuard.Verdict.ACCEPT) {
            guard.hold(rows.get());
        }
        return verdict;
    }

    /**
     * After the batch is booked in {@code window}: a firing restores and returns the restarted
     * window; an accepted batch that ends an episode announces it. Otherwise {@code window} stays.
     */
    EpochWindow settle(DivergenceGuard.Verdict verdict, float loss, EpochWindow window, TrainingOutput out) {
        if (verdict == DivergenceGuard.Verdict.FIRE) {
            String trigger = Float.isFinite(loss) ? DivergenceGuard.LOSS_SPIKE : DivergenceGuard.NON_FINITE_LOSS;
            return fire(trigger, loss, window, out);
        }
        if (verdict == DivergenceGuard.Verdict.ACCEPT) {
            DivergenceEpisode ended = guard.takeEndedEpisode();
            if (ended != null) {
                out.episodeEnded(ended, counters.samplesTrained);
            }
        }
        return window;
    }

    /**
     * The guard fired: back to the last good window's weights and optimizer state, the open window
     * restarts (returned), the offending batches become dead letters.
     */
    EpochWindow fire(String trigger, float loss, EpochWindow window, TrainingOutput out) {
        long discarded = window.samples;
        List<BatchBuffer> skipped = guard.fire(trigger, loss, discarded);
        trainer.load(guard.lastGood());
        counters.samplesTrained = guard.lastGoodSamplesTrained();
        EpochWindow restarted = window.restart();
        String message = trigger + ": batch loss " + loss + ", running mean " + guard.runningMean()
                + "; the trainer restored the weights of epoch " + (restarted.epoch - 1);
        long deadLettered = 0;
        for (BatchBuffer b : skipped) {
            DivergedDeadLetters.emit(b, deadLetterSchema, message, out::deadLetter);
            deadLettered += b.rows();
        }
        out.diverged(deadLettered);
        LOG.warn(
                "divergence guard fired ({}): restored the weights of epoch {}, dead-lettered {} samples, "
                        + "undid {} trained samples",
                message,
                restarted.epoch - 1,
                deadLettered,
                discarded);
        return restarted;
    }

    /** End of input: an episode still open is announced now, as no accepted batch will end it. */
    void finish(TrainingOutput out) {
        DivergenceEpisode open = guard.takeOpenEpisode();
        if (open != null) {
            out.episodeEnded(open, counters.samplesTrained);
        }
    }
}
