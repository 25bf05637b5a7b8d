package dev.streamtrain.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamtrain.events.CheckpointEvent;
import dev.streamtrain.jobs.config.JobConfig;
import dev.streamtrain.localstack.Await;
import dev.streamtrain.localstack.LocalStack;
import dev.streamtrain.localstack.LocalStackExtension;
import dev.streamtrain.sample.DeadLetterSerializer;
import dev.streamtrain.sample.Sample;
import dev.streamtrain.sample.SampleEncoder;
import dev.streamtrain.sample.synthetic.TeacherStream;
import dev.streamtrain.sample.synthetic.TeacherStream.EncodedSample;
import dev.streamtrain.trainer.DjlTrainer;
import dev.streamtrain.trainer.TrainerState;
import dev.streamtrain.trainer.TrainingReport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The divergence guard in the real job (Kafka broker, S3 server, Flink MiniCluster): a teacher stream
 * with a stretch of extreme but finite labels, which validation lets through, against the same stream
 * without it. The model stays finite and as good as the clean run's, a {@code diverged} event is
 * committed, and the poisoned samples are on the DLQ with reason DIVERGED.
 */
@ExtendWith(LocalStackExtension.class)
class DivergenceGuardJobTest {
    private static final int SAMPLES = 12_800;
    /** 640 samples (10 batches of 64) with label 1e4, starting 320 samples into epoch 6 (windows of 1280). */
    private static final int POISON_FROM = 6_720;

    private static final int POISON_COUNT = 640;

    @Test
    void extremeLabelsAreSkippedAndTheModelStaysAsGoodAsACleanRuns(LocalStack stack) throws Exception {
        TrainingJobFixture clean = fixture(stack, "guard-clean");
        StackKafka.produce(stack.bootstrapServers(), clean.samplesTopic, stream(clean, false));
        TrainingJobFixture poisoned = fixture(stack, "guard-poisoned");
        StackKafka.produce(stack.bootstrapServers(), poisoned.samplesTopic, stream(poisoned, true));

        JobConfig cleanConfig = clean.config();
        TrainingReport cleanEnd = last(OnlineTrainingJobTest.run(cleanConfig, null));
        TrainingReport poisonedEnd = last(OnlineTrainingJobTest.run(poisoned.config(), null));

        TrainerState poisonedState = TrainerState.fromBytes(poisonedEnd.state);
        for (TrainerState.ParameterState p : poisonedState.parameters()) {
            for (float v : p.values()) {
                assertTrue(Float.isFinite(v), "parameter " + p.name() + " stays finite");
            }
        }

        // held-out data of the same teacher, other inputs
        TeacherStream heldOut = clean.teacher().dataSeed(999).build();
        int n = 2000;
        float[] x = new float[n * 16];
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            Sample s = heldOut.next();
            System.arraycopy(s.features, 0, x, i * 16, 16);
            y[i] = s.label[0];
        }
        float cleanLoss;
        float guardedLoss;
        try (DjlTrainer a = DjlTrainer.restore(cleanConfig.modelSpec(), TrainerState.fromBytes(cleanEnd.state));
                DjlTrainer b = DjlTrainer.restore(cleanConfig.modelSpec(), poisonedState)) {
            cleanLoss = a.evaluateLoss(x, y, n);
            guardedLoss = b.evaluateLoss(x, y, n);
        }
        assertTrue(guardedLoss <= 1.5 * cleanLoss, "held-out MSE " + guardedLoss + " vs the clean run's " + cleanLoss);

        List<CheckpointEvent> diverged = new ArrayList<>();
        List<CheckpointEvent> committed = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        JsonSchemaCheck schema = JsonSchemaCheck.checkpointEventSchema();
        try (KafkaConsumer<byte[], byte[]> consumer =
                StackKafka.readCommitted(stack.bootstrapServers(), poisoned.eventsTopic)) {
            Await.until(Duration.ofSeconds(60), 0, "a diverged event and the last epoch", () -> {
                for (ConsumerRecord<byte[], byte[]> r : StackKafka.poll(consumer)) {
                    try {
                        assertEquals(List.of(), schema.violations(json.readTree(r.value())), "conforms to the schema");
                        CheckpointEvent e = CheckpointEvent.fromJson(r.value());
                        (e.type().equals(CheckpointEvent.DIVERGED) ? diverged : committed).add(e);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
                return !diverged.isEmpty() && committed.stream().anyMatch(e -> e.epoch() >= 10);
            });
        }
        assertEquals(1, diverged.size(), "one episode: " + diverged);
        CheckpointEvent.Divergence d = diverged.get(0).divergence();
        assertEquals(5, diverged.get(0).epoch(), "restored the last window closed before the poison");
        assertEquals(POISON_COUNT, d.skippedSamples());
        assertEquals(
                POISON_FROM,
                d.skippedOffsets().get(poisoned.samplesTopic + "-0").first());
        assertEquals(
                POISON_FROM + POISON_COUNT - 1,
                d.skippedOffsets().get(poisoned.samplesTopic + "-0").last());
        for (CheckpointEvent e : committed) {
            if (e.type().equals(CheckpointEvent.EPOCH_COMMITTED)) {
                assertTrue(
                        e.manifest().metrics().meanLoss() < 100, "no artifact trained on the poison: " + e.manifest());
                assertTrue(e.eventTimeLagMillis() != null && e.eventTimeLagMillis() > 0, "freshness in every event");
                assertEquals("cpu()", e.device());
            }
        }

        List<Long> deadLettered = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer =
                StackKafka.readCommitted(stack.bootstrapServers(), poisoned.dlqTopic)) {
            Await.until(Duration.ofSeconds(60), 0, POISON_COUNT + " dead letters", () -> {
                for (ConsumerRecord<byte[], byte[]> r : StackKafka.poll(consumer)) {
                    Header reason = r.headers().lastHeader(DeadLetterSerializer.HEADER_REASON);
                    assertEquals("DIVERGED", new String(reason.value(), StandardCharsets.UTF_8));
                    deadLettered.add(Long.parseLong(new String(
                            r.headers()
                                    .lastHeader(DeadLetterSerializer.HEADER_OFFSET)
                                    .value(),
                            StandardCharsets.UTF_8)));
                }
                return deadLettered.size() >= POISON_COUNT;
            });
        }
        assertEquals(POISON_COUNT, deadLettered.size());
        assertEquals(POISON_FROM, deadLettered.get(0));
        assertEquals(POISON_FROM + POISON_COUNT - 1, deadLettered.get(POISON_COUNT - 1));
    }

    private static TrainingJobFixture fixture(LocalStack stack, String name) throws Exception {
        // exact counts and weights of a run that trains on every sample (no holdout), and only guard events
        return new TrainingJobFixture(stack, name)
                .set("eval.holdout-fraction", "0")
                .set("eval.drift-detection", "false")
                .set("kafka.bounded", "true")
                .set("epoch.samples", "1280")
                .set("checkpoint.interval", "2 s");
    }

    /** The teacher's samples; with {@code poisoned}, the stretch's labels replaced by 1e4 (valid, finite). */
    private static List<EncodedSample> stream(TrainingJobFixture f, boolean poisoned) {
        TeacherStream teacher = f.teacher().build();
        List<EncodedSample> out = new ArrayList<>(SAMPLES);
        for (int i = 0; i < SAMPLES; i++) {
            Sample s = teacher.next();
            boolean poison = poisoned && i >= POISON_FROM && i < POISON_FROM + POISON_COUNT;
            out.add(new EncodedSample(
                    SampleEncoder.binary(s.features, poison ? new float[] {1e4f} : s.label), s.eventTimeMillis));
        }
        return out;
    }

    private static TrainingReport last(List<TrainingReport> reports) {
        TrainingReport r = reports.get(reports.size() - 1);
        assertTrue(r.last, "ends with the end-of-input report");
        return r;
    }
}
