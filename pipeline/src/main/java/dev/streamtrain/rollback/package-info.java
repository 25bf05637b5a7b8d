/**
 * Reading a run's history back for a rollback: the live lineage from the event topic, the restore
 * points (retained checkpoints and savepoints) it offers, and the Flink REST calls that stop and
 * restart a job.
 */
package dev.streamtrain.rollback;
