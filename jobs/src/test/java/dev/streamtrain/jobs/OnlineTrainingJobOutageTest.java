package dev.streamtrain.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.streamtrain.events.CheckpointEvent;
import dev.streamtrain.jobs.config.JobConfig;
import dev.streamtrain.jobs.config.TrainingJobOptions;
import dev.streamtrain.localstack.Await;
import dev.streamtrain.localstack.LocalStack;
import dev.streamtrain.localstack.LocalStackExtension;
import dev.streamtrain.sample.SampleBlock;
import dev.streamtrain.store.RunKey;
import dev.streamtrain.store.S3Clients;
import dev.streamtrain.trainer.TrainingReport;
import java.net.URI;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.LongStream;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The training job while its infrastructure fails: the S3 server is killed and restarted while an
 * epoch's artifact is due, then the Kafka broker is killed ({@code kill -9}) and restarted. One run
 * with both outages against one failure-free run of the same input: every epoch's event exactly
 * once (read_committed) with the baseline's weights, every event's artifact durable and intact, and
 * the final weights and optimizer state bitwise equal.
 */
@ExtendWith(LocalStackExtension.class)
class OnlineTrainingJobOutageTest {
    private static final Logger LOG = LoggerFactory.getLogger(OnlineTrainingJobOutageTest.class);
    private static final int WINDOW = 640; // 10 batches of 64
    private static final int EPOCHS = 8;
    private static final int SAMPLES = WINDOW * EPOCHS; // the last window ends exactly at the input's end
    /** Where the pacer slows down to wait for the first outage: half a batch before epoch 3 closes. */
    private static final long FIRST_OUTAGE_AT = 3L * WINDOW - 32;
    /** The longest a service stays down. */
    private static final Duration OUTAGE = Duration.ofSeconds(12);

    @Test
    void anS3OutageAndABrokerCrashLoseAndDuplicateNothing(LocalStack stack) throws Exception {
        assumeTrue(
                stack.objectStore().restartable() && stack.kafka().restartable(),
                "the Docker stack's services are not killed and restarted here");
        // counts and weights below are those of a run that trains on every sample: no holdout
        TrainingJobFixture f = new TrainingJobFixture(stack, "outage")
                .set("eval.holdout-fraction", "0")
                .set("kafka.bounded", "true")
                .set("epoch.samples", String.valueOf(WINDOW))
                .set("restart-strategy.type", "fixed-delay")
                .set("restart-strategy.fixed-delay.attempts", "100")
                .set("restart-strategy.fixed-delay.delay", "300 ms");
        StackKafka.produce(
                stack.bootstrapServers(), f.samplesTopic, f.teacher().build().nextEncoded(SAMPLES));

        TrainingReport baseline = last(run(runConfig(f, "baseline"), null));
        List<CheckpointEvent> baselineEvents = committed(f, "baseline");

        String id = f.id + "-faulty";
        Pacer.CONTROLS.put(id, new Pacer.Control());
        Pacer.Control control = Pacer.CONTROLS.get(id);
        control.holdAt.set(FIRST_OUTAGE_AT);
        CompletableFuture<List<TrainingReport>> faulty = CompletableFuture.supplyAsync(() -> {
            try {
                return run(runConfig(f, "faulty"), new Pacer(id));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });

        outage(control, faulty, "S3", stack.objectStore()::stop, stack.objectStore()::restart, true);
        outage(control, faulty, "Kafka", stack.kafka()::kill, stack.kafka()::restart, false);
        control.paced.set(false); // both outages are behind: the rest of the input needs no pace
        TrainingReport recovered = last(faulty.get(3, TimeUnit.MINUTES));
        LOG.info(
                "outage run: {} task starts, {} samples mapped for {} in the input",
                control.opens.get(),
                control.mapped.get(),
                SAMPLES);

        assertEquals(SAMPLES, recovered.samplesTrained, "every sample trained once");
        assertEquals(baseline.batches, recovered.batches);
        assertEquals(baseline.stateSha256, recovered.stateSha256, "weights and optimizer state bitwise equal");

        List<CheckpointEvent> events = committed(f, "faulty");
        assertEquals(
                LongStream.rangeClosed(1, EPOCHS).boxed().toList(),
                events.stream().map(CheckpointEvent::epoch).toList(),
                "every epoch exactly once, in order: " + events);
        try (S3Client s3 = S3Clients.create(stack.s3())) {
            for (int i = 0; i < EPOCHS; i++) {
                CheckpointEvent e = events.get(i);
                assertEquals((i + 1L) * WINDOW, e.samplesTotal());
                assertEquals(
                        baselineEvents.get(i).modelSha256(),
                        e.modelSha256(),
                        "epoch " + e.epoch() + " trained the same");
                URI model = URI.create(e.modelUri());
                byte[] bytes = s3.getObjectAsBytes(b ->
                                b.bucket(model.getHost()).key(model.getPath().substring(1)))
                        .asByteArray();
                assertEquals(
                        e.modelSha256(),
                        HexFormat.of()
                                .formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)),
                        "epoch " + e.epoch() + "'s artifact is durable");
                URI manifest = URI.create(e.manifestUri());
                s3.headObject(
                        b -> b.bucket(manifest.getHost()).key(manifest.getPath().substring(1))); // committed
            }
        }
    }

    /**
     * Waits until the job is held just before a window's end, kills the service, lets the job run on
     * into the outage until it has met it (past the window's end, so its artifact was due, or a
     * restart) and starts the service again; if {@code holdNext}, the job is then held again just
     * before the next window's end.
     */
    private static void outage(
            Pacer.Control control, CompletableFuture<?> job, String what, Action kill, Action restart, boolean holdNext)
            throws Exception {
        Await.until(Duration.ofMinutes(2), 50, "the job to reach the " + what + " outage point", () -> {
            if (job.isDone()) {
                throw new IllegalStateException("the job ended before the " + what + " outage: " + job);
            }
            return control.highestOffset.get() >= control.holdAt.get();
        });
        int opensBefore = control.opens.get();
        long target = control.holdAt.get() + 96; // past the window's end and its artifact
        kill.run();
        LOG.info("{} down at offset {}", what, control.highestOffset.get());
        control.holdAt.set(Long.MAX_VALUE); // run on into the outage
        // The outage lasts until the job has run on past the window's end (its artifact or event then
        // meets the dead service), or has restarted, or for at most OUTAGE: samples reach the pacer a
        // block at a time, and the task thread may instead block at the next barrier waiting for the
        // upload or the event send to the dead service, which is meeting the outage too.
        long downSince = System.nanoTime();
        while (System.nanoTime() - downSince < OUTAGE.toNanos()
                && control.highestOffset.get() < target
                && control.opens.get() <= opensBefore
                && !job.isDone()) {
            Thread.sleep(50);
        }
        LOG.info(
                "{} outage met after {} ms: offset {}, {} task starts",
                what,
                (System.nanoTime() - downSince) / 1_000_000,
                control.highestOffset.get(),
                control.opens.get());
        if (holdNext) {
            control.holdAt.set(control.highestOffset.get()); // slow while the service starts (seconds)
        }
        restart.run();
        if (holdNext) {
            long next = (control.highestOffset.get() / WINDOW + 1) * WINDOW - 32;
            control.holdAt.set(next > control.highestOffset.get() + 16 ? next : next + WINDOW);
        }
        LOG.info(
                "{} restarted at offset {} ({} task starts so far)",
                what,
                control.highestOffset.get(),
                control.opens.get());
    }

    @FunctionalInterface
    private interface Action {
        void run() throws Exception;
    }

    /** Runs the job on its bounded input, {@code pacer} (if any) before the trainer; returns its reports. */
    private static List<TrainingReport> run(JobConfig config, Pacer pacer) throws Exception {
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(OnlineTrainingJob.environmentConfig(config));
        OnlineTrainingJob job = new OnlineTrainingJob(
                config,
                KafkaWiring.samplesSource(config),
                KafkaWiring.deadLetterSink(config),
                KafkaWiring.eventSink(config),
                new DiscardingSink<>());
        if (pacer != null) {
            job.beforeTrainer(s -> s.map(pacer)
                    .returns(TypeInformation.of(SampleBlock.class))
                    .uid("outage-pacer")
                    .name("outage pacer")
                    .setParallelism(1));
        }
        List<TrainingReport> out = new ArrayList<>();
        try (CloseableIterator<TrainingReport> it =
                job.build(env).executeAndCollect("test " + config.get(TrainingJobOptions.RUN))) {
            it.forEachRemaining(out::add);
        }
        return out;
    }

    private static JobConfig runConfig(TrainingJobFixture f, String name) {
        String run = f.id + "-" + name;
        return f.set("run.name", run)
                .set("checkpoint.dir", "s3://" + f.stack.bucket() + "/" + run + "/checkpoints")
                .config();
    }

    private static List<CheckpointEvent> committed(TrainingJobFixture f, String name) throws Exception {
        return new EventTopic(f.stack.bootstrapServers(), f.eventsTopic)
                .read(RunKey.parse("tests/" + f.id + "-" + name + "/model"), Duration.ofSeconds(30)).stream()
                        .filter(e -> CheckpointEvent.EPOCH_COMMITTED.equals(e.type()))
                        .toList();
    }

    private static TrainingReport last(List<TrainingReport> reports) {
        TrainingReport r = reports.get(reports.size() - 1);
        assertTrue(r.last, "ends with the end-of-input report");
        return r;
    }

    /**
     * Paces the stream (1 ms a sample, per block of samples, until the test lifts the pace) and holds it — 50 ms a sample, still flowing, so that
     * checkpoints go on — from offset {@code holdAt} until the test moves the hold. The controls are
     * static (keyed by run): they must survive the job's restarts.
     */
    static final class Pacer extends RichMapFunction<SampleBlock, SampleBlock> {
        private static final long serialVersionUID = 1L;
        static final Map<String, Control> CONTROLS = new ConcurrentHashMap<>();
        private final String id;

        static final class Control {
            final AtomicLong holdAt = new AtomicLong(Long.MAX_VALUE);
            final AtomicLong highestOffset = new AtomicLong(-1);
            final AtomicLong mapped = new AtomicLong();
            final AtomicInteger opens = new AtomicInteger();
            final AtomicBoolean paced = new AtomicBoolean(true);
        }

        Pacer(String id) {
            this.id = id;
        }

        @Override
        public void open(OpenContext context) {
            CONTROLS.get(id).opens.incrementAndGet();
        }

        @Override
        public SampleBlock map(SampleBlock block) throws Exception {
            Control c = CONTROLS.get(id);
            c.mapped.addAndGet(block.rows());
            if (block.isEmpty()) {
                return block;
            }
            long last = block.offsets()[block.rows() - 1];
            c.highestOffset.accumulateAndGet(last, Math::max);
            // pacing, not waiting for anything
            Thread.sleep((long) block.rows() * (last >= c.holdAt.get() ? 50 : c.paced.get() ? 1 : 0));
            return block;
        }
    }
}
