/**
 * The training job and its wiring: {@code OnlineTrainingJob} builds the Flink graph (Kafka source,
 * validator, trainer, dead-letter and event sinks) under the stable operator uids of
 * docs/operator-state.md, after a preflight of Kafka and the object store.
 */
package dev.streamtrain.jobs;
