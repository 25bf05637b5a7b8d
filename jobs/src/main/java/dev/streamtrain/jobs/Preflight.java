package dev.streamtrain.jobs;

import dev.streamtrain.jobs.config.JobConfig;
import dev.streamtrain.jobs.config.TrainingJobOptions;
import dev.streamtrain.store.ArtifactLayout;
import dev.streamtrain.store.ObjectStorePreflight;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks, before the job is submitted, that Kafka and the object store are usable — so that a
 * wrong address, a missing topic, a missing bucket or refused credentials stop the start with a
 * message that says what to fix, instead of a job that restarts forever.
 */
public final class Preflight {
    private static final Logger LOG = LoggerFactory.getLogger(Preflight.class);

    private Preflight() {}

    public static void check(JobConfig config) {
        checkKafka(config);
        config.s3Endpoint().ifPresentOrElse(
                s3 -> ObjectStorePreflight.check(s3, config.storeBucket(),
                        new ArtifactLayout(config.storeBucket(), config.runKey()).modelPrefix()),
                () -> LOG.warn("no S3 endpoint and credentials in the job configuration or AWS_* environment: "
                        + "the object store is not checked before the start (the cluster's config.yaml has them)"));
    }

    static void checkKafka(JobConfig config) {
        String bootstrap = config.get(TrainingJobOptions.KAFKA_BOOTSTRAP_SERVERS);
        String samples = config.get(TrainingJobOptions.SAMPLES_TOPIC);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10000))) {
            Set<String> topics;
            try {
                topics = admin.listTopics().names().get(15, TimeUnit.SECONDS);
            } catch (TimeoutException | ExecutionException e) {
                throw new PreflightException("Kafka at " + bootstrap + " is unreachable (" + rootMessage(e)
                        + "): check kafka.bootstrap-servers and that the brokers are up and reachable from here");
            }
            for (String topic : List.of(samples)) {
                if (!topics.contains(topic)) {
                    throw new PreflightException("Kafka topic '" + topic + "' does not exist on " + bootstrap
                            + ": create it (kafka-topics.sh --create --topic " + topic + ") or fix kafka.samples-topic");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PreflightException("interrupted while checking Kafka at " + bootstrap);
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }

    /** A problem found before the start; its message says what to fix. */
    public static final class PreflightException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        PreflightException(String message) {
            super(message);
        }
    }
}
