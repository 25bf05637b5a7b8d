/**
 * A real Kafka broker and a real S3-compatible server for tests and {@code ./streamtrain local},
 * without Docker: both run as child JVMs (a crash or leak in them cannot take the caller down, and
 * a test can kill them for real). Where a Docker engine runs, Testcontainers Kafka and MinIO are
 * used instead. {@link dev.streamtrain.localstack.LocalStack} chooses and logs which.
 */
package dev.streamtrain.localstack;
