package dev.streamtrain.sample;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/** The one Jackson configuration and the field names of the JSON sample format. */
final class SampleJson {

    static final String FEATURES = "features";
    static final String LABEL = "label";
    static final String EVENT_TIME = "eventTime";

    /**
     * Shared by every encoder and decoder: Jackson mappers and factories are thread-safe and
     * expensive to build, and they cache symbol tables that make repeated field names cheap.
     *
     * <p>NaN/Infinity are accepted as bare tokens because Python's {@code json.dumps} writes them
     * that way by default; the decoder then reports them as NON_FINITE, which tells the producer
     * what is actually wrong, instead of a generic UNPARSEABLE. The encoder writes them the same
     * way (unquoted) so tests can produce such records.
     *
     * <p>The fast (still correctly rounded) number parser roughly doubles JSON decoding speed:
     * with 64 features a record is mostly float parsing, and the JDK's parser was the bottleneck.
     */
    static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
            .disable(JsonWriteFeature.WRITE_NAN_AS_STRINGS)
            .build();

    /** The decoder works on the streaming API: no tree, no boxing, just floats into an array. */
    static final JsonFactory FACTORY = MAPPER.getFactory();

    private SampleJson() {}
}
