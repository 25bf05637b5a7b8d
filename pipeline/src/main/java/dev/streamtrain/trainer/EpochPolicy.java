package dev.streamtrain.trainer;

import java.io.Serializable;
import java.time.Duration;

/**
 * When an epoch-window closes: after {@code samples} trained samples (the default), or — when
 * {@code eventTimeSpan} is set — when the watermark passes the end of a span of event time.
 */
public record EpochPolicy(long samples, Duration eventTimeSpan) implements Serializable {
    public EpochPolicy {
        if (eventTimeSpan == null && samples <= 0) {
            throw new IllegalArgumentException("epoch.samples must be positive, got " + samples);
        }
        if (eventTimeSpan != null && (eventTimeSpan.isNegative() || eventTimeSpan.isZero())) {
            throw new IllegalArgumentException("epoch.event-time must be a positive duration, got " + eventTimeSpan);
        }
    }

    public static EpochPolicy everySamples(long samples) {
        return new EpochPolicy(samples, null);
    }

    public static EpochPolicy eventTime(Duration span) {
        return new EpochPolicy(0, span);
    }

    public boolean byEventTime() {
        return eventTimeSpan != null;
    }

    public long spanMillis() {
        return eventTimeSpan == null ? 0 : eventTimeSpan.toMillis();
    }
}
