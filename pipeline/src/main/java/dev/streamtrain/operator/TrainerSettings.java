package dev.streamtrain.operator;

import dev.streamtrain.eval.EvalSettings;
import dev.streamtrain.eval.PromotionGate;
import dev.streamtrain.store.ArtifactSettings;
import dev.streamtrain.store.ObjectSink;
import dev.streamtrain.store.RetentionPolicy;
import dev.streamtrain.store.WarmStart;
import dev.streamtrain.trainer.EpochPolicy;
import dev.streamtrain.trainer.ModelSpec;
import dev.streamtrain.trainer.RunLineage;
import dev.streamtrain.trainer.TorchThreads;
import java.io.Serializable;
import java.util.Objects;

/**
 * Everything {@link ModelTrainerOperator} is configured with, validated once by {@link
 * Builder#build}. Serializable: it travels with the operator to the task managers.
 *
 * @param spec               the model to train
 * @param reportEverySamples a {@code TrainingReport} after every this many trained samples
 * @param epochPolicy        when an epoch-window closes
 * @param artifacts          where epoch artifacts go; null: no artifacts and no events
 * @param objectSink         what artifacts are written to and deleted from (Flink's filesystem in a job)
 * @param retention          which artifacts retention deletes
 * @param retainedCheckpoints how many completed checkpoints Flink retains: their epochs are kept for rollbacks
 * @param lineage            the run's attempt and checkpoint directory, for the events
 * @param guard              the divergence guard's thresholds
 * @param threads            libtorch's pool sizes as asked for ({@code model.threads}, AUTO: from the slot's CPU share)
 * @param resume             where a start without Flink state begins ({@code restore.from-artifact}); null: fresh
 * @param eval               the holdout split and drift detection ({@code eval.*})
 * @param warmStart          the weights a start with neither Flink state nor {@code resume} begins with
 *                           ({@code model.init-from}); null: drawn from the spec's seed
 * @param promotion          which epochs become {@code latest} ({@code store.promote-*})
 */
public record TrainerSettings(
        ModelSpec spec,
        long reportEverySamples,
        EpochPolicy epochPolicy,
        ArtifactSettings artifacts,
        ObjectSink objectSink,
        RetentionPolicy retention,
        int retainedCheckpoints,
        RunLineage lineage,
        GuardSettings guard,
        TorchThreads.Request threads,
        ResumeFromArtifact resume,
        EvalSettings eval,
        WarmStart warmStart,
        PromotionGate promotion)
        implements Serializable {

    public static Builder builder(ModelSpec spec) {
        return new Builder(spec);
    }

    public boolean writesArtifacts() {
        return artifacts != null;
    }

    /**
     * Defaults: a report every 10 000 samples, one epoch-window for the whole stream, no artifacts, the
     * divergence guard on with its default thresholds, no evaluation (the job's keys turn it on).
     */
    public static final class Builder {
        private final ModelSpec spec;
        private long reportEverySamples = 10_000;
        private EpochPolicy epochPolicy = EpochPolicy.everySamples(Long.MAX_VALUE);
        private ArtifactSettings artifacts;
        private ObjectSink objectSink = ObjectSink.FLINK_FILE_SYSTEM;
        private RetentionPolicy retention = RetentionPolicy.keepAll();
        private int retainedCheckpoints = 1;
        private RunLineage lineage = RunLineage.firstAttempt();
        private GuardSettings guard = GuardSettings.defaults();
        private TorchThreads.Request threads = TorchThreads.Request.AUTO;
        private ResumeFromArtifact resume;
        private EvalSettings eval = EvalSettings.disabled();
        private WarmStart warmStart;
        private PromotionGate promotion = PromotionGate.promoteAlways();

        private Builder(ModelSpec spec) {
            this.spec = spec;
        }

        public Builder reportEverySamples(long samples) {
            this.reportEverySamples = samples;
            return this;
        }

        public Builder epochPolicy(EpochPolicy policy) {
            this.epochPolicy = policy;
            return this;
        }

        /** Write an artifact per epoch-window, and emit its event. */
        public Builder artifacts(ArtifactSettings settings) {
            this.artifacts = settings;
            return this;
        }

        /** Where artifacts go instead of Flink's filesystem (tests: an in-memory store). */
        public Builder objectSink(ObjectSink sink) {
            this.objectSink = sink;
            return this;
        }

        public Builder retention(RetentionPolicy policy) {
            this.retention = policy;
            return this;
        }

        /**
         * {@code execution.checkpointing.num-retained} as in effect; below 1 counts as 1, as
         * Flink itself treats it.
         */
        public Builder retainedCheckpoints(int count) {
            this.retainedCheckpoints = Math.max(1, count);
            return this;
        }

        public Builder lineage(RunLineage lineage) {
            this.lineage = lineage;
            return this;
        }

        public Builder guard(GuardSettings guard) {
            this.guard = guard;
            return this;
        }

        /** libtorch's intra-op and inter-op pool sizes; default AUTO (from the slot's CPU share). */
        public Builder threads(TorchThreads.Request request) {
            this.threads = request;
            return this;
        }

        /** A start without Flink state continues from this epoch artifact; null (the default): from scratch. */
        public Builder resume(ResumeFromArtifact resume) {
            this.resume = resume;
            return this;
        }

        /** The holdout split and drift detection; default {@link EvalSettings#disabled()}. */
        public Builder eval(EvalSettings eval) {
            this.eval = eval;
            return this;
        }

        /** A fresh start (no Flink state, no {@link #resume}) begins with these weights; null (the default): the seed's. */
        public Builder warmStart(WarmStart warmStart) {
            this.warmStart = warmStart;
            return this;
        }

        /** Which epochs become {@code latest}; default {@link PromotionGate#promoteAlways()} (every one). */
        public Builder promotion(PromotionGate promotion) {
            this.promotion = promotion;
            return this;
        }

        /** @throws IllegalArgumentException naming the first setting that is missing or out of range */
        public TrainerSettings build() {
            Objects.requireNonNull(spec, "spec must not be null");
            if (reportEverySamples <= 0) {
                throw new IllegalArgumentException("reportEverySamples must be positive, got " + reportEverySamples);
            }
            Objects.requireNonNull(epochPolicy, "epochPolicy must not be null");
            Objects.requireNonNull(objectSink, "objectSink must not be null");
            Objects.requireNonNull(retention, "retention must not be null");
            Objects.requireNonNull(lineage, "lineage must not be null");
            Objects.requireNonNull(guard, "guard must not be null");
            Objects.requireNonNull(threads, "threads must not be null");
            Objects.requireNonNull(eval, "eval must not be null");
            Objects.requireNonNull(promotion, "promotion must not be null");
            if (!promotion.always() && !eval.split().enabled()) {
                throw new IllegalArgumentException("store.promote-mode=metric judges epochs by their holdout "
                        + promotion.metric() + ": set eval.holdout-fraction above 0");
            }
            if (artifacts == null && !retention.keepsAll()) {
                throw new IllegalArgumentException(
                        "retention (" + retention.describe() + ") needs artifacts to delete");
            }
            return new TrainerSettings(
                    spec,
                    reportEverySamples,
                    epochPolicy,
                    artifacts,
                    objectSink,
                    retention,
                    retainedCheckpoints,
                    lineage,
                    guard,
                    threads,
                    resume,
                    eval,
                    warmStart,
                    promotion);
        }
    }
}
