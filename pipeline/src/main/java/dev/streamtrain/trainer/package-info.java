/**
 * Online training of a small torch-style network through DJL's PyTorch engine, with no Flink
 * dependency (a Flink operator wraps it).
 *
 * <ul>
 *   <li>{@link dev.streamtrain.trainer.ModelSpec}: what to train, validated configuration.
 *   <li>{@link dev.streamtrain.trainer.DjlTrainer}: trains batch by batch, predicts,
 *       snapshots and restores.
 *   <li>{@link dev.streamtrain.trainer.TrainerState}: the engine-independent snapshot that
 *       becomes Flink operator state, with its stable binary format.
 * </ul>
 *
 * The package-private classes are the pieces of one training step: {@code BatchStaging}
 * (reused input buffers), {@code ModelBlocks} (the DJL block), {@code LossFunction}, {@code
 * Autograd} (per-thread grad mode and backward), {@code ParameterUpdater} with {@code
 * AdamUpdater}/{@code SgdUpdater} (our optimizer), {@code TorchDefaultInit} (seeded initial
 * weights) and {@code DeviceSelection}.
 */
package dev.streamtrain.trainer;
