/**
 * {@code ./streamtrain bench}: the trainer's bare speed against the whole streaming job's, and the
 * model store's write speed against a raw S3 PUT, with the CPU other processes took meanwhile.
 */
package dev.streamtrain.jobs.bench;
