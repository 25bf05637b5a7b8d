package dev.streamtrain.events;

/**
 * An event ready for Kafka: key and JSON value. The trainer emits these rather than event objects
 * so that nothing between it and the sink needs to (de)serialize nested records.
 */
public class EventRecord {
    public String key;
    public byte[] json;

    public EventRecord() {}

    public EventRecord(String key, byte[] json) {
        this.key = key;
        this.json = json;
    }

    public static EventRecord of(CheckpointEvent e) {
        return new EventRecord(e.key(), e.toJson());
    }
}
