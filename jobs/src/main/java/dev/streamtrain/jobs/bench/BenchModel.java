package dev.streamtrain.jobs.bench;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A model configuration of {@code ./streamtrain bench}: an MLP on 64 features with one regression
 * output, and how many samples its pipeline run reads by default (sized for roughly 10–30 s of
 * training on a 2-core machine).
 */
public record BenchModel(String name, List<Integer> hidden, long defaultSamples, String description) {
    public static final int FEATURE_DIM = 64;
    public static final int OUTPUT_DIM = 1;

    public static final List<BenchModel> ALL = List.of(
            new BenchModel(
                    "small",
                    List.of(256, 256),
                    1_500_000,
                    "the default MLP: per-sample work in the pipeline matters as much as the math"),
            new BenchModel(
                    "wide", List.of(2048, 2048), 60_000, "compute-bound: matrix multiplies dominate every step"));

    public static BenchModel named(String name) {
        return ALL.stream()
                .filter(m -> m.name.equals(name))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown model '" + name + "'; choose from "
                        + ALL.stream().map(BenchModel::name).collect(Collectors.joining(","))));
    }

    /** "64-256-256-1". */
    public String layers() {
        return FEATURE_DIM + "-" + hidden.stream().map(String::valueOf).collect(Collectors.joining("-")) + "-"
                + OUTPUT_DIM;
    }

    /** Parameters of the network (weights and biases). */
    public long parameters() {
        long total = 0;
        int in = FEATURE_DIM;
        for (int h : hidden) {
            total += (long) in * h + h;
            in = h;
        }
        return total + (long) in * OUTPUT_DIM + OUTPUT_DIM;
    }

    /** The {@code model.hidden} value of the job configuration: "256;256". */
    public String hiddenSetting() {
        return hidden.stream().map(String::valueOf).collect(Collectors.joining(";"));
    }
}
