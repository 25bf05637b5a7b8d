package dev.streamtrain.jobs;

import dev.streamtrain.jobs.config.JobConfig;
import dev.streamtrain.jobs.config.KafkaClientProperties;
import dev.streamtrain.jobs.config.TrainingJobOptions;
import dev.streamtrain.store.ArtifactLayout;
import dev.streamtrain.store.ObjectStorePreflight;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.KafkaException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks, before the job is submitted, that Kafka and the object store are usable — so that a
 * wrong address, a missing topic, a missing bucket or refused credentials stop the start with a
 * message that says what to fix, instead of a job that restarts forever.
 */
public final class Preflight {
    private static final Logger LOG = LoggerFactory.getLogger(Preflight.class);
    /** How long the Kafka check waits for the brokers' topic list before it calls them unreachable. */
    static final Duration KAFKA_TIMEOUT = Duration.ofSeconds(10);

    private Preflight() {}

    public static void check(JobConfig config) {
        checkKafka(config);
        config.s3Endpoint()
                .ifPresentOrElse(
                        s3 -> ObjectStorePreflight.check(
                                s3,
                                config.storeBucket(),
                                new ArtifactLayout(config.storeBucket(), config.runKey()).modelPrefix()),
                        () -> LOG.warn(
                                "no S3 endpoint and credentials in the job configuration or AWS_* environment: "
                                        + "the object store is not checked before the start (the cluster's config.yaml has them)"));
    }

    static void checkKafka(JobConfig config) {
        checkKafka(config, KAFKA_TIMEOUT);
    }

    /**
     * @param timeout how long the brokers may take to list the topics before they count as
     *     unreachable; a parameter so that a test of an unreachable broker need not wait it out
     */
    static void checkKafka(JobConfig config, Duration timeout) {
        String bootstrap = config.get(TrainingJobOptions.KAFKA_BOOTSTRAP_SERVERS);
        // each topic with the key that names it: the message says which setting to fix
        Map<String, String> topicsAndKeys = new LinkedHashMap<>();
        topicsAndKeys.put(config.get(TrainingJobOptions.SAMPLES_TOPIC), TrainingJobOptions.SAMPLES_TOPIC.key());
        topicsAndKeys.putIfAbsent(config.get(TrainingJobOptions.DLQ_TOPIC), TrainingJobOptions.DLQ_TOPIC.key());
        topicsAndKeys.putIfAbsent(config.get(TrainingJobOptions.EVENTS_TOPIC), TrainingJobOptions.EVENTS_TOPIC.key());
        Map<String, String> client = config.kafkaClientProperties();
        Set<String> secrets = KafkaClientProperties.secretValues(client);
        Map<String, Object> adminConfig = new HashMap<>(client);
        adminConfig.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        // short, unless given: a start-up check should fail fast
        adminConfig.putIfAbsent(
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, String.valueOf(Math.min(5000, timeout.toMillis())));
        adminConfig.putIfAbsent(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, String.valueOf(timeout.toMillis()));
        try (Admin admin = createAdmin(adminConfig, bootstrap, secrets)) {
            Set<String> topics;
            try {
                topics = admin.listTopics().names().get(timeout.toMillis() + 5000, TimeUnit.MILLISECONDS);
            } catch (TimeoutException | ExecutionException e) {
                throw new PreflightException(KafkaProblem.describe(
                        e, bootstrap, client.getOrDefault("security.protocol", "PLAINTEXT"), secrets));
            }
            // The sinks would otherwise fail (or, where the broker auto-creates topics, write to a
            // topic with its defaults) only once the first dead letter or event is written.
            for (Map.Entry<String, String> t : topicsAndKeys.entrySet()) {
                if (!topics.contains(t.getKey())) {
                    throw new PreflightException("Kafka topic '" + t.getKey() + "' (" + t.getValue()
                            + ") does not exist on "
                            + bootstrap + ": create it (kafka-topics.sh --create --topic " + t.getKey() + ") or fix "
                            + t.getValue());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PreflightException("interrupted while checking Kafka at " + bootstrap);
        }
    }

    /** A client that cannot even be built (a missing trust store, a malformed JAAS line) is a configuration problem. */
    private static Admin createAdmin(Map<String, Object> adminConfig, String bootstrap, Set<String> secrets) {
        try {
            return Admin.create(adminConfig);
        } catch (KafkaException e) {
            throw new PreflightException(
                    "the Kafka client for " + bootstrap + " could not be created from kafka.properties.* ("
                            + KafkaClientProperties.redact(KafkaProblem.rootMessage(e), secrets) + ")");
        }
    }

    /** A problem found before the start; its message says what to fix. */
    public static final class PreflightException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        PreflightException(String message) {
            super(message);
        }
    }
}
