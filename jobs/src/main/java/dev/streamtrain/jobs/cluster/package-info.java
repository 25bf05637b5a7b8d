/**
 * A real standalone Flink session cluster on this machine, from Maven jars: its folder and
 * generated configuration, the JobManager and TaskManager processes, Flink's own CLI pointed at it,
 * and an optional local stack in a background JVM.
 */
package dev.streamtrain.jobs.cluster;
