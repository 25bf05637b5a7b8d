/**
 * Judging whole windows while training: which samples are held out ({@link
 * dev.streamtrain.eval.HoldoutSplit}), the task metrics of a set of predictions ({@link
 * dev.streamtrain.eval.TaskMetrics}), whether a new epoch may become {@code latest} ({@link
 * dev.streamtrain.eval.PromotionGate}) and whether the loss drifted ({@link
 * dev.streamtrain.eval.PageHinkley}). Plain Java, no Flink and no native code: the operator feeds
 * them and keeps their state.
 */
package dev.streamtrain.eval;
