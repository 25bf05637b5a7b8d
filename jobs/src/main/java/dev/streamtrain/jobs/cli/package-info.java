/**
 * The {@code ./streamtrain} command line (picocli): local mode, producing samples, reading events
 * and artifacts, the local stack and cluster, and rollback. Each command is a thin shell over the
 * pipeline and job classes.
 */
package dev.streamtrain.jobs.cli;
