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
    private static final S3Endpoint S3 = new S3Endpoint(URI.create("http://127.0.0.1:9000"), "tool-access", "tool-secret", "us-east-1");

    @Test
    void whatTheJobReportsConfiguresTheSameJobWithMaskedS3KeysFilledBackIn() {
        JobConfig original = JobConfig.fromArgs(new String[] {"--kafka.bootstrap-servers", "k:9092", "--sample.feature-dim", "8",
                "--checkpoint.dir", "s3://b/cp", "--run.name", "r-7", "--model.hidden", "16;16", "--s3.endpoint",
                "http://127.0.0.1:9000", "--s3.access-key", "job-access", "--s3.secret-key", "job-secret"});
        Map<String, String> reported = original.describe();
        assertEquals(JobConfig.MASKED, reported.get("s3.secret-key"), "secrets are masked in what the job reports");
        assertEquals(JobConfig.MASKED, reported.get("s3.access-key"));
        assertFalse(reported.toString().contains("job-secret"));

        JobConfig restarted = JobConfig.fromArgs(JobArguments.rebuild(reported, List.of(), S3, 3).toArray(String[]::new));
        assertEquals(original.modelSpec(), restarted.modelSpec());
        assertEquals("r-7", restarted.get(TrainingJobOptions.RUN));
        assertEquals(3, restarted.get(TrainingJobOptions.ATTEMPT));
        assertEquals("tool-secret", restarted.flinkConfiguration().toMap().get("s3.secret-key"));
    }

    @Test
    void overridesWinAndTheAttemptIsAlwaysTheNewOne() {
        Map<String, String> reported = Map.of("kafka.bootstrap-servers", "k:9092", "sample.feature-dim", "8",
                "checkpoint.dir", "s3://b/cp", "run.attempt", "2", "model.learning-rate", "0.01");
        List<String> args = JobArguments.rebuild(reported, List.of("--model.learning-rate", "0.0005", "--run.attempt=9"), null, 3);
        JobConfig c = JobConfig.fromArgs(args.toArray(String[]::new));
        assertEquals(0.0005f, c.get(TrainingJobOptions.LEARNING_RATE));
        assertEquals(3, c.get(TrainingJobOptions.ATTEMPT), "the rollback's attempt, whatever was given");
    }

    @Test
    void aMaskedSecretWithNothingToFillItInIsRefusedByName() {
        Map<String, String> reported = Map.of("s3.secret-key", JobConfig.MASKED, "kafka.sasl.password", JobConfig.MASKED);
        InvalidConfigurationException noS3 = assertThrows(InvalidConfigurationException.class,
                () -> JobArguments.rebuild(reported, List.of("--kafka.sasl.password", "p"), null, 2));
        assertTrue(noS3.getMessage().contains("-- --s3.secret-key <value>"), noS3.getMessage());
        InvalidConfigurationException other = assertThrows(InvalidConfigurationException.class,
                () -> JobArguments.rebuild(reported, List.of(), S3, 2));
        assertTrue(other.getMessage().contains("kafka.sasl.password"), other.getMessage());
        assertTrue(JobArguments.rebuild(reported, List.of("--kafka.sasl.password=p"), S3, 2).contains("p"));
        assertThrows(InvalidConfigurationException.class, () -> JobArguments.rebuild(Map.of(), List.of("lr", "1"), S3, 2));
    }
}
