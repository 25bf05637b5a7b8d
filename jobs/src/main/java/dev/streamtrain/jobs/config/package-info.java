/**
 * The job's configuration: every key in {@code TrainingJobOptions} (documented in
 * docs/configuration.md), read from YAML and {@code --key value} arguments and validated at start
 * with one message per problem.
 */
package dev.streamtrain.jobs.config;
