package dev.streamtrain.jobs.serve;

import dev.streamtrain.events.CheckpointEvent;
import dev.streamtrain.store.Manifest;
import dev.streamtrain.trainer.InferenceModel;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One immutable model version being served: the weights of one committed epoch, which epoch and
 * attempt wrote them and their sha256. A request retains it for its whole duration, so that its
 * outputs come from exactly this version even when a swap happens meanwhile; the native model is
 * closed when the slot has let go of it and the last request has released it.
 */
final class ServedModel {
    final long epoch;
    final int attempt;
    final String modelSha256;
    final String manifestUri;
    final Manifest manifest;
    final Instant loadedAt;
    final InferenceModel model;
    private final AtomicInteger references = new AtomicInteger(1); // the slot's reference

    ServedModel(CheckpointEvent committed, Manifest manifest, InferenceModel model) {
        this.epoch = committed.epoch();
        this.attempt = committed.lineage();
        this.modelSha256 = committed.modelSha256();
        this.manifestUri = committed.manifestUri();
        this.manifest = manifest;
        this.loadedAt = Instant.now();
        this.model = model;
    }

    /** Whether this is the artifact of {@code committed} (same epoch, attempt and bytes). */
    boolean isArtifactOf(CheckpointEvent committed) {
        return epoch == committed.epoch()
                && attempt == committed.lineage()
                && modelSha256.equals(committed.modelSha256());
    }

    /** A request's hold on it; false once it has been closed (the caller then reads the slot again). */
    boolean retain() {
        for (int r = references.get(); r > 0; r = references.get()) {
            if (references.compareAndSet(r, r + 1)) {
                return true;
            }
        }
        return false;
    }

    void release() {
        if (references.decrementAndGet() == 0) {
            model.close();
        }
    }

    @Override
    public String toString() {
        return "epoch " + epoch + " (attempt " + attempt + ", sha256 " + modelSha256.substring(0, 12) + "…)";
    }
}
