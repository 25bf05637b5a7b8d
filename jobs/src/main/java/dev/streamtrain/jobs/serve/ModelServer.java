package dev.streamtrain.jobs.serve;

import dev.streamtrain.jobs.EventTopic;
import dev.streamtrain.store.ArtifactReader;
import dev.streamtrain.trainer.ModelSpec;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Map;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * {@code ./streamtrain serve} as an object: a {@link ModelFollower} thread keeping the {@link
 * ModelSlot} on the run's newest live epoch, and the {@link PredictionServer} answering from it.
 * The caller owns the S3 client.
 */
public final class ModelServer implements AutoCloseable {
    private final ModelSlot slot = new ModelSlot();
    private final ServeMetrics metrics = new ServeMetrics();
    private final ModelFollower follower;
    private final Thread followerThread;
    private final PredictionServer http;

    /**
     * @param settings where the events and the artifacts are, what to serve and how
     */
    public ModelServer(Settings settings, S3Client s3) throws IOException {
        this(settings, s3, Map.of());
    }

    /** @param kafkaProperties the user's Kafka client properties (security, tuning) for reading the events */
    public ModelServer(Settings settings, S3Client s3, Map<String, String> kafkaProperties) throws IOException {
        this.follower = new ModelFollower(
                new EventTopic(settings.bootstrap(), settings.topic(), kafkaProperties),
                settings.key(),
                // the bucket is only used for `latest`, which serve never reads: manifest URIs name their own
                new ArtifactReader(s3, "unused-bucket"),
                settings.device(),
                settings.everyEpoch(),
                slot,
                metrics);
        this.http = new PredictionServer(
                new InetSocketAddress(settings.host(), settings.port()),
                settings.threads(),
                settings.maxBodyBytes(),
                slot,
                metrics,
                follower);
        this.followerThread = new Thread(follower, "serve-follow-events");
        this.followerThread.setDaemon(true);
    }

    /**
     * @param key          {@code <experiment>/<run>/<model>}
     * @param threads      HTTP worker threads (each borrows its own DJL predictor)
     * @param maxBodyBytes larger {@code /predict} bodies get 413
     */
    public record Settings(
            String bootstrap,
            String topic,
            String key,
            String host,
            int port,
            int threads,
            int maxBodyBytes,
            ModelSpec.DeviceChoice device,
            boolean everyEpoch) {

        /** Follows promoted epochs only (events with {@code promoted: false} are skipped). */
        public Settings(
                String bootstrap,
                String topic,
                String key,
                String host,
                int port,
                int threads,
                int maxBodyBytes,
                ModelSpec.DeviceChoice device) {
            this(bootstrap, topic, key, host, port, threads, maxBodyBytes, device, false);
        }
    }

    public ModelServer start() {
        followerThread.start();
        http.start();
        return this;
    }

    public int port() {
        return http.port();
    }

    /** What {@code GET /metrics} shows. */
    public Map<String, Object> metrics() {
        return metrics.snapshot(slot);
    }

    /** Why following the events stopped, or null while it runs. */
    public Throwable followerFailure() {
        return follower.failure();
    }

    @Override
    public void close() throws InterruptedException {
        http.close();
        follower.stop();
        followerThread.join(10_000);
        slot.clear();
    }
}
