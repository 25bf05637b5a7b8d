package dev.streamtrain.jobs.cli;

import dev.streamtrain.events.CheckpointEvent;
import dev.streamtrain.jobs.EventTopic;
import dev.streamtrain.jobs.KafkaClients;
import dev.streamtrain.localstack.LocalStack;
import dev.streamtrain.store.ArtifactLayout;
import dev.streamtrain.store.ArtifactResult;
import dev.streamtrain.store.ArtifactWriter;
import dev.streamtrain.store.EpochArtifact;
import dev.streamtrain.store.FlinkS3;
import dev.streamtrain.store.Manifest;
import dev.streamtrain.store.S3Clients;
import dev.streamtrain.trainer.DjlTrainer;
import dev.streamtrain.trainer.ModelSpec;
import dev.streamtrain.trainer.TrainerState;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.apache.flink.configuration.Configuration;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A run written the way the job writes it, without Flink: real artifacts in the local S3 server
 * (a small MLP trained a few more steps per epoch, so every epoch's weights differ) and real
 * checkpoint events on a fresh topic of the local Kafka broker, built with the project's own
 * {@link CheckpointEvent} factories. Remembers every epoch's weights for independent checks.
 */
final class RunEventsFixture implements AutoCloseable {
    static final ModelSpec SPEC = ModelSpec.builder()
            .kind(ModelSpec.Kind.MLP)
            .inputDim(4)
            .hiddenSizes(8)
            .outputDim(1)
            .batchSize(16)
            .learningRate(0.05f)
            .build();

    final String experiment = "consumers";
    final String run = "run-" + UUID.randomUUID().toString().substring(0, 8);
    final String model = "m";
    final String topic = run + "-events";
    final LocalStack stack;
    final EventTopic events;
    private final ArtifactWriter writer;
    private final DjlTrainer trainer;
    private final Random data = new Random(7);
    private final Map<String, CheckpointEvent> committed = new HashMap<>();
    private final Map<String, TrainerState> weights = new HashMap<>();

    RunEventsFixture(LocalStack stack) throws Exception {
        this.stack = stack;
        FlinkS3.initializeInThisJvm(FlinkS3.apply(new Configuration(), stack.s3()));
        KafkaClients.createTopics(stack.bootstrapServers(), topic);
        this.events = new EventTopic(stack.bootstrapServers(), topic);
        this.writer = new ArtifactWriter(new ArtifactLayout(stack.bucket(), experiment, run, model));
        this.trainer = DjlTrainer.create(SPEC);
    }

    String key() {
        return experiment + "/" + run + "/" + model;
    }

    /** Trains a few steps, writes epoch {@code epoch} of {@code attempt} to S3 and publishes its event. */
    CheckpointEvent commit(long epoch, int attempt, double meanLoss, double samplesPerSecond) throws Exception {
        return commit(epoch, attempt, meanLoss, samplesPerSecond, true);
    }

    private CheckpointEvent commit(long epoch, int attempt, double meanLoss, double samplesPerSecond, boolean publish)
            throws Exception {
        for (int step = 0; step < 3; step++) {
            float[] x = new float[16 * 4];
            float[] y = new float[16];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) data.nextGaussian();
            }
            for (int r = 0; r < 16; r++) {
                y[r] = x[4 * r] - 2 * x[4 * r + 1] + (float) epoch;
            }
            trainer.trainBatch(x, y, 16);
        }
        TrainerState state = trainer.snapshot();
        ArtifactResult r = writer.write(new EpochArtifact(
                SPEC,
                state,
                epoch,
                100,
                Map.of(),
                null,
                new Manifest.Metrics(meanLoss, samplesPerSecond),
                "job-" + attempt,
                attempt));
        CheckpointEvent e = CheckpointEvent.epochCommitted(r)
                .samplesTotal(100 * epoch)
                .checkpoint(epoch, null)
                .attempt(attempt)
                .build();
        if (publish) {
            events.publish(e, Duration.ofSeconds(30));
        }
        committed.put(epoch + "/" + attempt, e);
        weights.put(r.modelSha256(), state);
        return e;
    }

    /**
     * Like {@link #commit}, but the model.safetensors in the bucket is then replaced by other bytes
     * before the event goes out: what a consumer must refuse to serve.
     */
    CheckpointEvent commitCorrupted(long epoch, int attempt) throws Exception {
        CheckpointEvent e = commit(epoch, attempt, 1.0, 1.0, false);
        byte[] bytes;
        try (S3Client s3 = S3Clients.create(stack.s3())) {
            String key = writer.layout().modelKey(epoch);
            bytes = s3.getObjectAsBytes(b -> b.bucket(stack.bucket()).key(key)).asByteArray();
            bytes[bytes.length - 1] ^= 0x55; // one weight changes, the size stays
            s3.putObject(b -> b.bucket(stack.bucket()).key(key), RequestBody.fromBytes(bytes));
        }
        events.publish(e, Duration.ofSeconds(30));
        return e;
    }

    /** Publishes the {@code rolled-back} event ./streamtrain rollback would: back to {@code epoch}, now {@code newAttempt}. */
    CheckpointEvent rollBack(long epoch, int restoredAttempt, int newAttempt, List<Long> superseded) throws Exception {
        CheckpointEvent e = CheckpointEvent.rolledBack(
                committed.get(epoch + "/" + restoredAttempt),
                "job-" + newAttempt,
                newAttempt,
                new CheckpointEvent.Rollback(newAttempt - 1, superseded, "job-" + (newAttempt - 1), null));
        events.publish(e, Duration.ofSeconds(30));
        return e;
    }

    /** Publishes the {@code epoch-deleted} event retention would. */
    void delete(long epoch, int attempt) throws Exception {
        CheckpointEvent c = committed.get(epoch + "/" + attempt);
        CheckpointEvent deleted = CheckpointEvent.epochDeleted(c.runKey(), epoch, c.artifactUri())
                .samplesTotal(c.samplesTotal())
                .checkpoint(epoch, null)
                .flinkJobId("job-" + attempt)
                .build();
        events.publish(deleted, Duration.ofSeconds(30));
    }

    /** The weights whose model.safetensors has this sha256. */
    TrainerState weightsOf(String modelSha256) {
        return weights.get(modelSha256);
    }

    @Override
    public void close() {
        trainer.close();
    }
}
