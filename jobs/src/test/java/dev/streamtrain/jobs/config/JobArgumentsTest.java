package dev.streamtrain.jobs.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamtrain.store.S3Endpoint;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A job's reported parameters, rebuilt into arguments that configure the same job as the next attempt. */
class JobArgumentsTest {
    private static final S3Endpoint S3 =
            new S3Endpoint(URI.create("http://127.0.0.1:9000"), "tool-access", "tool-secret", "us-east-1");

    @Test
    void whatTheJobReportsConfiguresTheSameJobWithMaskedS3KeysFilledBackIn() {
        JobConfig original = JobConfig.fromArgs(new String[] {
            "--kafka.bootstrap-servers",
            "k:9092",
            "--sample.feature-dim",
            "8",
            "--checkpoint.dir",
            "s3://b/cp",
            "--run.name",
            "r-7",
            "--model.hidden",
            "16;16",
            "--s3.endpoint",
            "http://127.0.0.1:9000",
            "--s3.access-key",
            "job-access",
            "--s3.secret-key",
            "job-secret"
        });
        Map<String, String> reported = original.describe();
        assertEquals(JobConfig.MASKED, reported.get("s3.secret-key"), "secrets are masked in what the job reports");
        assertEquals(JobConfig.MASKED, reported.get("s3.access-key"));
        assertFalse(reported.toString().contains("job-secret"));

        JobConfig restarted = JobConfig.fromArgs(
                JobArguments.rebuild(reported, List.of(), S3, Map.of(), 3).toArray(String[]::new));
        assertEquals(original.modelSpec(), restarted.modelSpec());
        assertEquals("r-7", restarted.get(TrainingJobOptions.RUN));
        assertEquals(3, restarted.get(TrainingJobOptions.ATTEMPT));
        assertEquals("tool-secret", restarted.flinkConfiguration().toMap().get("s3.secret-key"));
    }

    @Test
    void overridesWinAndTheAttemptIsAlwaysTheNewOne() {
        Map<String, String> reported = Map.of(
                "kafka.bootstrap-servers",
                "k:9092",
                "sample.feature-dim",
                "8",
                "checkpoint.dir",
                "s3://b/cp",
                "run.attempt",
                "2",
                "model.learning-rate",
                "0.01");
        List<String> args = JobArguments.rebuild(
                reported, List.of("--model.learning-rate", "0.0005", "--run.attempt=9"), null, Map.of(), 3);
        JobConfig c = JobConfig.fromArgs(args.toArray(String[]::new));
        assertEquals(0.0005f, c.get(TrainingJobOptions.LEARNING_RATE));
        assertEquals(3, c.get(TrainingJobOptions.ATTEMPT), "the rollback's attempt, whatever was given");
    }

    @Test
    void aMaskedSecretWithNothingToFillItInIsRefusedByName() {
        Map<String, String> reported =
                Map.of("s3.secret-key", JobConfig.MASKED, "kafka.sasl.password", JobConfig.MASKED);
        InvalidConfigurationException noS3 = assertThrows(
                InvalidConfigurationException.class,
                () -> JobArguments.rebuild(reported, List.of("--kafka.sasl.password", "p"), null, Map.of(), 2));
        assertTrue(noS3.getMessage().contains("-- --s3.secret-key <value>"), noS3.getMessage());
        InvalidConfigurationException other = assertThrows(
                InvalidConfigurationException.class, () -> JobArguments.rebuild(reported, List.of(), S3, Map.of(), 2));
        assertTrue(other.getMessage().contains("kafka.sasl.password"), other.getMessage());
        assertTrue(JobArguments.rebuild(reported, List.of("--kafka.sasl.password=p"), S3, Map.of(), 2)
                .contains("p"));
        assertThrows(
                InvalidConfigurationException.class,
                () -> JobArguments.rebuild(Map.of(), List.of("lr", "1"), S3, Map.of(), 2));
    }

    @Test
    void maskedKafkaSecretsAreFilledBackInFromTheToolsClientProperties() {
        String jaas =
                "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"trainer\" password=\"job-pw\";";
        JobConfig original = JobConfig.fromMap(Map.of(
                "kafka.bootstrap-servers",
                "k:9093",
                "sample.feature-dim",
                "8",
                "checkpoint.dir",
                "s3://b/cp",
                "kafka.properties.security.protocol",
                "SASL_SSL",
                "kafka.properties.sasl.jaas.config",
                jaas,
                "kafka.properties.ssl.truststore.password",
                "trust-pw"));
        Map<String, String> reported = original.describe();
        assertEquals("SASL_SSL", reported.get("kafka.properties.security.protocol"), "not a secret: shown");
        assertEquals(JobConfig.MASKED, reported.get("kafka.properties.sasl.jaas.config"));
        assertEquals(JobConfig.MASKED, reported.get("kafka.properties.ssl.truststore.password"));
        assertFalse(
                reported.toString().contains("job-pw") || reported.toString().contains("trust-pw"));

        Map<String, String> tool =
                Map.of("sasl.jaas.config", jaas.replace("job-pw", "tool-pw"), "ssl.truststore.password", "tool-trust");
        JobConfig restarted = JobConfig.fromArgs(
                JobArguments.rebuild(reported, List.of(), S3, tool, 2).toArray(String[]::new));
        assertEquals(
                jaas.replace("job-pw", "tool-pw"),
                restarted.kafkaClientProperties().get("sasl.jaas.config"));
        assertEquals("tool-trust", restarted.kafkaClientProperties().get("ssl.truststore.password"));

        InvalidConfigurationException missing = assertThrows(
                InvalidConfigurationException.class,
                () -> JobArguments.rebuild(reported, List.of(), S3, Map.of("sasl.jaas.config", jaas), 2));
        assertTrue(
                missing.getMessage().contains("kafka.properties.ssl.truststore.password")
                        && missing.getMessage().contains("--command-config"),
                missing.getMessage());
    }

    @Test
    void keysTheJobControlsAreRefusedSayingWhy() {
        InvalidConfigurationException e = assertThrows(
                InvalidConfigurationException.class,
                () -> JobConfig.fromMap(Map.of(
                        "kafka.bootstrap-servers",
                        "k:9092",
                        "sample.feature-dim",
                        "8",
                        "checkpoint.dir",
                        "s3://b/cp",
                        "kafka.properties.isolation.level",
                        "read_uncommitted",
                        "kafka.properties.transactional.id",
                        "x",
                        "kafka.properties.value.serializer",
                        "y",
                        "kafka.properties.linger.ms",
                        "5")));
        assertTrue(
                e.getMessage().contains("kafka.properties.isolation.level is set by streamtrain itself")
                        && e.getMessage().contains("read committed"),
                e.getMessage());
        assertTrue(
                e.getMessage().contains("kafka.properties.transactional.id")
                        && e.getMessage().contains("value.serializer"),
                e.getMessage());
        assertFalse(e.getMessage().contains("linger.ms"), "any other client key passes: " + e.getMessage());
    }
}
