/**
 * The Flink side of training: the operator that feeds the sample stream to a {@link
 * dev.streamtrain.trainer.DjlTrainer}, keeps it in Flink state and publishes its epoch artifacts
 * and events.
 *
 * <ul>
 *   <li>{@link dev.streamtrain.operator.ModelTrainerOperator}: the Flink lifecycle only (state,
 *       metrics, outputs, checkpoint barriers, end of input).
 *   <li>{@link dev.streamtrain.operator.TrainerSettings}: its validated configuration.
 *   <li>{@link dev.streamtrain.operator.TrainerOperatorState}: its seven list states, whose names
 *       are a savepoint contract.
 *   <li>{@link dev.streamtrain.operator.ArtifactPublisher}: background artifact writes and
 *       retention deletions, turned into checkpoint events at the barrier.
 *   <li>{@link dev.streamtrain.operator.EpochLedger}: which epochs were announced and deleted,
 *       and which a rollback could still need (Flink-free, unit-tested).
 * </ul>
 *
 * The package-private {@code TrainingLoop} (blocks into mini-batches, epoch-windows, reports) and
 * {@code DivergenceRecovery} (what a guard firing restores, dead-letters and announces) are the
 * training itself, Flink-free behind {@code TrainingOutput} and unit-tested. The package-private
 * {@code BatchBuffer} (the partial mini-batch), {@code EpochWindow} (the open
 * window), {@code CommittedEpoch} (the ledger's entries) and {@code TrainingReports} (report
 * timing) are the operator's state pieces. Dependencies point one way: this package uses {@code
 * trainer} and {@code store}; {@code store} uses {@code trainer}'s value types; {@code trainer}
 * uses neither.
 */
package dev.streamtrain.operator;
