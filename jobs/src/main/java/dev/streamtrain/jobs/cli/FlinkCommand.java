package dev.streamtrain.jobs.cli;

import dev.streamtrain.jobs.cluster.FlinkCli;
import dev.streamtrain.jobs.cluster.FlinkCluster;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Unmatched;

/**
 * {@code ./streamtrain flink <args>}: Flink's own CLI against the cluster of {@code ./streamtrain
 * cluster start} ({@code $STREAMTRAIN_CLUSTER_DIR} or target/flink-cluster). Every argument goes
 * to Flink unchanged.
 */
@Command(
        name = "flink",
        description = {
            "Flink's CLI (CliFrontend) against the cluster: run, stop --savepointPath, "
                    + "run -s, cancel, list, savepoint … — every argument goes to Flink (./streamtrain flink --help for Flink's help)."
        })
final class FlinkCommand implements Callable<Integer> {
    @Unmatched
    List<String> args = new ArrayList<>();

    @Mixin
    Console console;

    @Override
    public Integer call() throws Exception {
        FlinkCluster cluster = FlinkCluster.at(FlinkCluster.defaultDir());
        ProcessBuilder cli;
        try {
            cli = FlinkCli.processBuilder(cluster, args);
        } catch (IllegalStateException e) {
            return console.usage(e.getMessage());
        }
        return cli.inheritIO().start().waitFor();
    }
}
