package dev.streamtrain.sample;

/** How a sample is laid out in a Kafka record value. See {@code docs/sample-formats.md}. */
public enum SampleFormat {
    /** A UTF-8 JSON object; easy to produce from any language, larger and slower to parse. */
    JSON,
    /** Fixed-length little-endian float32 (and int32) values; compact and cheap to decode. */
    BINARY
}
