/**
 * Online training of a small torch-style network through DJL's PyTorch engine, with no Flink
 * dependency ({@code dev.streamtrain.operator.ModelTrainerOperator} wraps it) and no dependency on
 * the object store.
 *
 * <ul>
 *   <li>{@link dev.streamtrain.trainer.ModelSpec}: what to train, validated configuration.
 *   <li>{@link dev.streamtrain.trainer.DjlTrainer}: trains batch by batch, predicts,
 *       snapshots and restores.
 *   <li>{@link dev.streamtrain.trainer.TrainerState}: the engine-independent snapshot that
 *       becomes Flink operator state, with its stable binary format.
 *   <li>{@link dev.streamtrain.trainer.EpochPolicy}, {@link dev.streamtrain.trainer.RunLineage},
 *       {@link dev.streamtrain.trainer.TrainingCounters} and {@link
 *       dev.streamtrain.trainer.TrainingReport}: the operator's settings, counters (a Flink POJO
 *       whose class name is in every savepoint: do not move it) and reports.
 * </ul>
 *
 * The package-private classes are the pieces of one training step: {@code BatchStaging}
 * (reused input buffers), {@code ModelBlocks} (the DJL block), {@code LossFunction}, {@code
 * Autograd} (per-thread grad mode and backward), {@code ParameterUpdater} with {@code
 * AdamUpdater}/{@code SgdUpdater} (our optimizer), {@code TorchDefaultInit} (seeded initial
 * weights) and {@code DeviceSelection}.
 */
package dev.streamtrain.trainer;
