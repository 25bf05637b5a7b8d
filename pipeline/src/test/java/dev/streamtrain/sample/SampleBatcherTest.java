package dev.streamtrain.sample;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.streamtrain.sample.synthetic.InvalidRecords;
import dev.streamtrain.sample.synthetic.TeacherStream;
import dev.streamtrain.sample.synthetic.TeacherStream.EncodedSample;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/** The batched path: the source's decoder fills one reused row, the batcher cuts blocks and dead letters. */
class SampleBatcherTest {
    private static final int BLOCK = 4;

    private final TeacherStream teacher = TeacherStream.builder()
            .format(SampleFormat.JSON)
            .featureDim(3)
            .regression(2)
            .seed(5)
            .maxRecordBytes(4096)
            .build();
    private final SampleSchema schema = teacher.schema();
    private final SampleDecoder decoder = new SampleDecoder(schema);
    /** One row for every record, as {@link KafkaRowDeserializer} does. */
    private final DecodedRow row = new DecodedRow(schema.featureDim(), schema.labelWidth());

    private long offset;

    private OneInputStreamOperatorTestHarness<DecodedRow, SampleBlock> harness() throws Exception {
        return new OneInputStreamOperatorTestHarness<>(new SampleBatcher(schema, BLOCK));
    }

    /** Decodes {@code value} into the shared row and pushes it; returns what the per-record decoder makes of it. */
    private DecodedRecord push(OneInputStreamOperatorTestHarness<DecodedRow, SampleBlock> h, byte[] value)
            throws Exception {
        long o = offset++;
        decoder.decodeInto(value, "samples", 2, o, 1000 + o, row);
        h.processElement(row, row.eventTimeMillis);
        return decoder.decode(value, "samples", 2, o, 1000 + o);
    }

    @Test
    void validRowsBecomeBlocksDeadLettersKeepTheirBytesAndReason() throws Exception {
        List<Sample> expected = new ArrayList<>();
        List<DeadLetter> expectedDead = new ArrayList<>();
        Map<DeadLetterReason, byte[]> invalid = InvalidRecords.oneOfEach(schema);
        try (var h = harness()) {
            h.open();
            List<byte[]> bad = new ArrayList<>(invalid.values());
            for (EncodedSample s : teacher.nextEncoded(10)) {
                expected.add(push(h, s.value()).sample);
                if (!bad.isEmpty()) {
                    expectedDead.add(push(h, bad.remove(0)).deadLetter);
                }
            }
            // two full blocks so far; the partial block of 2 goes out before the barrier
            assertEquals(List.of(4, 4), rows(h.extractOutputValues()));
            h.prepareSnapshotPreBarrier(1);
            List<SampleBlock> blocks = h.extractOutputValues();
            assertEquals(List.of(4, 4, 2), rows(blocks));
            assertEquals(expected, samplesOf(blocks), "every valid row, in order, with its source and event time");

            List<DeadLetter> dead = h.getSideOutput(SampleValidator.DEAD_LETTERS).stream()
                    .map(StreamRecord::getValue)
                    .toList();
            assertEquals(expectedDead, dead, "the decoder's dead letters: original bytes, reason, message, source");
            assertEquals(
                    List.copyOf(invalid.keySet()),
                    dead.stream().map(d -> d.reason).toList());
            assertArrayEquals(
                    invalid.get(DeadLetterReason.NON_FINITE),
                    dead.get(List.copyOf(invalid.keySet()).indexOf(DeadLetterReason.NON_FINITE)).originalValue);
        }
    }

    @Test
    void aPartialBlockGoesOutBeforeAWatermarkAndAtTheEndOfInput() throws Exception {
        try (var h = harness()) {
            h.open();
            for (EncodedSample s : teacher.nextEncoded(5)) {
                push(h, s.value());
            }
            h.processWatermark(new Watermark(1003));
            push(h, teacher.nextEncoded(1).get(0).value());
            h.endInput();
            List<Object> out = new ArrayList<>(h.getOutput());
            assertEquals(4, out.size(), "block, block, watermark, block");
            assertEquals(4, blockOf(out.get(0)).rows());
            assertEquals(1, blockOf(out.get(1)).rows(), "the row before the watermark was not held back");
            assertEquals(new Watermark(1003), out.get(2));
            assertEquals(1, blockOf(out.get(3)).rows(), "the end of input emitted the last row");
        }
    }

    @Test
    void blocksAndRowsSurviveTheirSerializers() throws Exception {
        SampleBlock block = new SampleBlock(5, 3, 2);
        List<Sample> samples = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            Sample s = teacher.next().withSource(i < 3 ? "a" : "b", i, 100 + i);
            samples.add(s);
            block.append(s);
        }
        SampleBlock back = roundTrip(SampleBlockSerializer.INSTANCE, block);
        assertEquals(samples, samplesOf(List.of(back)));
        assertSame(block, SampleBlockSerializer.INSTANCE.copy(block), "an emitted block is never changed: no copy");

        decoder.decodeInto(teacher.nextEncoded(1).get(0).value(), "samples", 1, 7, 99, row);
        DecodedRow validBack = roundTrip(DecodedRowSerializer.INSTANCE, row);
        assertArrayEquals(row.features, validBack.features);
        assertArrayEquals(row.label, validBack.label);
        assertEquals(List.of(row.eventTimeMillis, 7L), List.of(validBack.eventTimeMillis, validBack.offset));
        assertNull(validBack.deadLetter);

        byte[] bad = InvalidRecords.oneOfEach(schema).get(DeadLetterReason.UNPARSEABLE);
        DeadLetter expected = decoder.decode(bad, "samples", 1, 8, 99).deadLetter;
        decoder.decodeInto(bad, "samples", 1, 8, 99, row);
        assertEquals(expected, roundTrip(DecodedRowSerializer.INSTANCE, row).deadLetter);
    }

    private static <T> T roundTrip(TypeSerializer<T> serializer, T value) throws Exception {
        DataOutputSerializer out = new DataOutputSerializer(256);
        serializer.serialize(value, out);
        return serializer.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
    }

    private static SampleBlock blockOf(Object element) {
        return assertInstanceOf(SampleBlock.class, ((StreamRecord<?>) element).getValue());
    }

    private static List<Integer> rows(List<SampleBlock> blocks) {
        return blocks.stream().map(SampleBlock::rows).toList();
    }

    /** The blocks' rows as Samples, to compare with the per-record decoder's. */
    static List<Sample> samplesOf(List<SampleBlock> blocks) {
        List<Sample> out = new ArrayList<>();
        for (SampleBlock b : blocks) {
            for (int r = 0; r < b.rows(); r++) {
                float[] f = new float[b.featureDim()];
                float[] l = new float[b.labelWidth()];
                System.arraycopy(b.features(), r * f.length, f, 0, f.length);
                System.arraycopy(b.labels(), r * l.length, l, 0, l.length);
                out.add(new Sample(f, l, b.eventTimes()[r])
                        .withSource(b.topics()[r], b.partitions()[r], b.offsets()[r]));
            }
        }
        return out;
    }
}
