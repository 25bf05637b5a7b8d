package dev.streamtrain.rollback;

import dev.streamtrain.events.CheckpointEvent;
import dev.streamtrain.store.RunKey;
import java.io.IOException;
import java.time.Duration;
import java.util.List;

/** The checkpoint-event topic as a rollback uses it: one run's events, and publishing the {@code rolled-back} one. */
public interface RunEvents {
    /** Every event of the run {@code key} ({@code <experiment>/<run>/<model>}) a read_committed reader sees now, in order. */
    List<CheckpointEvent> read(RunKey key, Duration timeout) throws IOException;

    /** Publishes one event durably. */
    void publish(CheckpointEvent event, Duration timeout) throws IOException;
}
