package dev.streamtrain.sample;

import java.util.EnumMap;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Splits decoded records: valid Samples to the main output, DeadLetters to {@link #DEAD_LETTERS}
 * (which the job writes to the DLQ topic with {@link DeadLetterSerializer}).
 *
 * <p>Metrics, on the operator's metric group:
 * <ul>
 *   <li>{@code validSamples}: samples passed on;</li>
 *   <li>{@code deadLettered}: all dead letters;</li>
 *   <li>{@code reason.<REASON>.deadLettered}: per {@link DeadLetterReason} (a key/value group,
 *       so reporters such as Prometheus show it as a {@code reason} label).</li>
 * </ul>
 * A growing {@code deadLettered} is the alert: the records themselves are only in the DLQ.
 */
public class SampleValidator extends ProcessFunction<DecodedRecord, Sample> {

    private static final long serialVersionUID = 1L;

    private static final Logger LOG = LoggerFactory.getLogger(SampleValidator.class);

    /** The side output carrying dead letters; its id is stable because job graphs refer to it. */
    public static final OutputTag<DeadLetter> DEAD_LETTERS =
            new OutputTag<>("dead-letters", TypeInformation.of(DeadLetter.class));

    public static final String VALID_COUNTER = "validSamples";
    public static final String DEAD_LETTER_COUNTER = "deadLettered";
    public static final String REASON_GROUP = "reason";

    private transient Counter validSamples;
    private transient Counter deadLettered;
    private transient Map<DeadLetterReason, Counter> deadLetteredByReason;
    /** Log only the first dead letter of each reason per subtask: a bad producer can send millions. */
    private transient Map<DeadLetterReason, Boolean> logged;

    @Override
    public void open(OpenContext openContext) {
        MetricGroup metrics = getRuntimeContext().getMetricGroup();
        validSamples = metrics.counter(VALID_COUNTER);
        deadLettered = metrics.counter(DEAD_LETTER_COUNTER);
        deadLetteredByReason = new EnumMap<>(DeadLetterReason.class);
        logged = new EnumMap<>(DeadLetterReason.class);
        // registered up front so dashboards show a 0 rather than a missing series
        for (DeadLetterReason r : DeadLetterReason.values()) {
            deadLetteredByReason.put(r, metrics.addGroup(REASON_GROUP, r.name()).counter(DEAD_LETTER_COUNTER));
        }
    }

    @Override
    public void processElement(DecodedRecord record, Context ctx, Collector<Sample> out) {
        if (record.sample != null) {
            validSamples.inc();
            out.collect(record.sample);
            return;
        }
        DeadLetter d = record.deadLetter;
        deadLettered.inc();
        deadLetteredByReason.get(d.reason).inc();
        if (logged.put(d.reason, Boolean.TRUE) == null) {
            LOG.warn("dead-lettering records; first of reason {}: {} (further ones are only counted)", d.reason, d);
        }
        ctx.output(DEAD_LETTERS, d);
    }
}
