package dev.streamtrain.operator;

import dev.streamtrain.trainer.DjlTrainer;

/**
 * The trainer of a start with neither Flink state nor {@code restore.from-artifact}: warm-started
 * from {@code model.init-from} when the job names one, else drawn from the spec's seed.
 */
final class FreshStart {
    private FreshStart() {}

    static DjlTrainer trainer(TrainerSettings settings) {
        return settings.warmStart() != null
                ? DjlTrainer.restore(settings.spec(), settings.warmStart().state())
                : DjlTrainer.create(settings.spec());
    }
}
