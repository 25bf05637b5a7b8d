package dev.streamtrain.operator;

import dev.streamtrain.sample.Sample;
import dev.streamtrain.sample.SampleBlock;
import java.util.ArrayList;
import java.util.List;

/** Cuts samples into {@link SampleBlock}s as the batcher would, with block sizes chosen by the test. */
final class SampleBlocks {
    private SampleBlocks() {}

    static SampleBlock of(List<Sample> samples) {
        Sample first = samples.get(0);
        SampleBlock block = new SampleBlock(samples.size(), first.features.length, first.label.length);
        for (Sample s : samples) {
            block.append(s);
        }
        return block;
    }

    /** Consecutive blocks of the given sizes, repeating the last size until the samples run out. */
    static List<SampleBlock> cut(List<Sample> samples, int... sizes) {
        List<SampleBlock> out = new ArrayList<>();
        int at = 0;
        for (int i = 0; at < samples.size(); i++) {
            int size = Math.min(sizes[Math.min(i, sizes.length - 1)], samples.size() - at);
            out.add(of(samples.subList(at, at + size)));
            at += size;
        }
        return out;
    }
}
