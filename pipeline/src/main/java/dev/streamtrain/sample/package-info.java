/**
 * The first step of the data flow: Kafka record values become {@code Sample}s. Decodes the JSON
 * and binary formats of docs/sample-formats.md, validates them against the job's
 * {@code SampleSchema}, and routes every invalid record to the dead-letter topic with a reason.
 */
package dev.streamtrain.sample;
