package dev.streamtrain.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.streamtrain.jobs.config.JobConfig;
import dev.streamtrain.localstack.Await;
import dev.streamtrain.localstack.LocalStack;
import dev.streamtrain.localstack.LocalStackExtension;
import dev.streamtrain.sample.DeadLetterReason;
import dev.streamtrain.sample.DeadLetterSerializer;
import dev.streamtrain.sample.SampleFormat;
import dev.streamtrain.sample.synthetic.InvalidRecords;
import dev.streamtrain.sample.synthetic.TeacherStream;
import dev.streamtrain.sample.synthetic.TeacherStream.EncodedSample;
import dev.streamtrain.trainer.TrainingReport;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A stream mixing every kind of invalid record: all dead-lettered with reasons, the rest trained, the job alive. */
@ExtendWith(LocalStackExtension.class)
class OnlineTrainingJobBadInputTest {

    @Test
    void everyInvalidRecordGoesToTheDlqAndTheJobKeepsTraining(LocalStack stack) throws Exception {
        // counts and weights below are those of a run that trains on every sample: no holdout
        TrainingJobFixture f = new TrainingJobFixture(stack, "bad-input")
                .set("eval.holdout-fraction", "0")
                .set("sample.format", "JSON")
                .set("sample.label-kind", "BINARY")
                .set("sample.max-record-bytes", "4096")
                .set("model.batch-size", "16")
                .set("report.every-samples", "16")
                // no restarts: any failure ends the job FAILED, so RUNNING at the end means it never failed
                .set("restart-strategy.type", "none");
        JobConfig config = f.config();
        TeacherStream teacher = f.teacher()
                .format(SampleFormat.JSON)
                .binary(1)
                .maxRecordBytes(4096)
                .build();
        Map<DeadLetterReason, byte[]> bad = InvalidRecords.oneOfEach(config.sampleSchema());
        // every reason a record can show: DIVERGED is the trainer's verdict on a batch
        assertEquals(
                DeadLetterReason.values().length - 1,
                bad.size(),
                "JSON with binary labels can show every reason: " + bad.keySet());

        // valid and invalid records interleaved: 10 valid, one bad, 10 valid, one bad, …
        List<EncodedSample> records = new ArrayList<>();
        int valid = 0;
        for (byte[] b : bad.values()) {
            for (EncodedSample s : teacher.nextEncoded(10)) {
                records.add(s);
                valid++;
            }
            records.add(new EncodedSample(b, 0L));
        }
        for (EncodedSample s : teacher.nextEncoded(16 * 6 - valid)) { // top up to whole batches
            records.add(s);
            valid++;
        }
        StackKafka.produce(stack.bootstrapServers(), f.samplesTopic, records);

        CollectingSink<TrainingReport> reports = new CollectingSink<>(f.id);
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(OnlineTrainingJob.environmentConfig(config));
        JobClient job = new OnlineTrainingJob(
                        config,
                        KafkaWiring.samplesSource(config),
                        KafkaWiring.deadLetterSink(config),
                        KafkaWiring.eventSink(config),
                        reports)
                .executeAsync(env);
        try {
            int expectedValid = valid;
            Await.until(Duration.ofSeconds(90), 100, expectedValid + " samples trained", () -> {
                assertEquals(JobStatus.RUNNING, status(job), "bad input never fails the job");
                return reports.values().stream()
                                .mapToLong(r -> r.samplesTrained)
                                .max()
                                .orElse(0)
                        == expectedValid;
            });

            Map<String, ConsumerRecord<byte[], byte[]>> dlq = new HashMap<>();
            try (KafkaConsumer<byte[], byte[]> consumer =
                    StackKafka.readCommitted(stack.bootstrapServers(), f.dlqTopic)) {
                Await.until(Duration.ofSeconds(60), 0, bad.size() + " dead letters (read_committed)", () -> {
                    for (ConsumerRecord<byte[], byte[]> r : StackKafka.poll(consumer)) {
                        dlq.put(header(r, DeadLetterSerializer.HEADER_REASON), r);
                    }
                    return dlq.size() >= bad.size();
                });
            }
            assertEquals(bad.size(), dlq.size());
            for (Map.Entry<DeadLetterReason, byte[]> e : bad.entrySet()) {
                ConsumerRecord<byte[], byte[]> r = dlq.get(e.getKey().name());
                assertArrayEquals(e.getValue(), r.value(), e.getKey() + ": the original bytes, unchanged");
                assertEquals(f.samplesTopic, header(r, DeadLetterSerializer.HEADER_TOPIC));
                assertEquals("0", header(r, DeadLetterSerializer.HEADER_PARTITION));
                assertEquals(!header(r, DeadLetterSerializer.HEADER_MESSAGE).isBlank(), true);
            }
            assertEquals(JobStatus.RUNNING, status(job), "bad input never failed the job (it has no restart strategy)");
        } finally {
            job.cancel().get();
        }
    }

    private static JobStatus status(JobClient job) {
        try {
            return job.getJobStatus().get();
        } catch (Exception e) {
            throw new IllegalStateException("job status", e);
        }
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        return new String(r.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }
}
