package dev.streamtrain.jobs.serve;

import dev.streamtrain.events.CheckpointEvent;
import dev.streamtrain.jobs.EventTopic;
import dev.streamtrain.rollback.RunHistory;
import dev.streamtrain.store.ArtifactLayout;
import dev.streamtrain.store.ArtifactReader;
import dev.streamtrain.store.Manifest;
import dev.streamtrain.store.RunKey;
import dev.streamtrain.store.SafetensorsReader;
import dev.streamtrain.trainer.InferenceModel;
import dev.streamtrain.trainer.ModelSpec;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows a run's checkpoint events (read_committed) and keeps the {@link ModelSlot} on the run's
 * newest live epoch, by {@link RunHistory}'s lineage rules: a committed epoch swaps its weights
 * in, a {@code rolled-back} event swaps back to the epoch it restored. Each artifact is read
 * through {@link ArtifactReader} and verified against its manifest and its event; one that does
 * not verify or does not load is never served (the current model stays, a log line says why,
 * {@code rejectedModels} counts it, and it is not retried). By default only promoted epochs are
 * served: an epoch whose event says {@code promoted: false} (the promotion gate kept {@code latest}
 * on an earlier one) is skipped, unless every epoch is followed.
 */
final class ModelFollower implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(ModelFollower.class);

    private final EventTopic topic;
    private final String key;
    private final ArtifactReader reader;
    private final ModelSpec.DeviceChoice device;
    private final boolean everyEpoch;
    private final ModelSlot slot;
    private final ServeMetrics metrics;
    private final RunHistory history = new RunHistory();
    private final Set<String> rejected = new HashSet<>();
    private volatile boolean running = true;
    private volatile boolean caughtUp;
    private volatile Throwable failure;

    ModelFollower(
            EventTopic topic,
            String key,
            ArtifactReader reader,
            ModelSpec.DeviceChoice device,
            boolean everyEpoch,
            ModelSlot slot,
            ServeMetrics metrics) {
        this.topic = topic;
        this.key = key;
        this.reader = reader;
        this.device = device;
        this.everyEpoch = everyEpoch;
        this.slot = slot;
        this.metrics = metrics;
    }

    @Override
    public void run() {
        try {
            topic.follow(RunKey.parse(key), Duration.ofMillis(200), () -> running, this::onPoll);
        } catch (IOException | RuntimeException e) {
            failure = e;
            LOG.error("following the events of {} failed; the current model stays served: {}", key, e.toString());
        }
    }

    void stop() {
        running = false;
    }

    /** Whether every event committed before start has been applied (and its model loaded if any). */
    boolean caughtUp() {
        return caughtUp;
    }

    /** Why following stopped, or null while it runs. */
    Throwable failure() {
        return failure;
    }

    private void onPoll(List<CheckpointEvent> events, boolean caughtUpNow) {
        events.forEach(history::apply);
        // while replaying the history only the state moves: the model loads once caught up, then on each change
        if (caughtUpNow && (!events.isEmpty() || !caughtUp)) {
            List<CheckpointEvent> live = history.liveEpochs();
            // the newest live (promoted, unless every epoch is followed) epoch whose artifact is still there
            for (int i = live.size() - 1; i >= 0; i--) {
                CheckpointEvent target = live.get(i);
                if ((everyEpoch || target.movedLatest())
                        && !history.artifactDeleted(target)
                        && !rejected.contains(identity(target))) {
                    serve(target);
                    break;
                }
            }
        }
        caughtUp = caughtUpNow;
    }

    private void serve(CheckpointEvent target) {
        ServedModel current = slot.peek();
        if (current != null && current.isArtifactOf(target)) {
            return;
        }
        long t0 = System.nanoTime();
        try {
            URI manifestUri = URI.create(target.manifestUri());
            Manifest manifest = reader.readManifest(manifestUri);
            String listed = manifest.file(ArtifactLayout.MODEL_FILE).sha256();
            if (!listed.equalsIgnoreCase(target.modelSha256())) {
                throw new IOException("the manifest lists model sha256 " + listed + " but the event names "
                        + target.modelSha256() + " (the epoch folder was rewritten since)");
            }
            byte[] weights = reader.readVerified(manifestUri, manifest, ArtifactLayout.MODEL_FILE);
            InferenceModel model =
                    InferenceModel.load(manifest.modelConfig().toSpec(), SafetensorsReader.read(weights), device);
            ServedModel next = new ServedModel(target, manifest, model);
            slot.swap(next);
            LOG.info(
                    "serving {} of {} (was {}; loaded in {} ms)",
                    next,
                    key,
                    current == null ? "none" : current,
                    (System.nanoTime() - t0) / 1_000_000);
        } catch (IOException | RuntimeException e) {
            rejected.add(identity(target));
            metrics.rejectedModels.increment();
            LOG.error(
                    "NOT serving epoch {} (attempt {}) of {}: {}; still serving {}",
                    target.epoch(),
                    target.lineage(),
                    key,
                    e.getMessage(),
                    current == null ? "no model" : current);
        }
    }

    private static String identity(CheckpointEvent e) {
        return e.epoch() + "/" + e.lineage() + "/" + e.modelSha256();
    }
}
