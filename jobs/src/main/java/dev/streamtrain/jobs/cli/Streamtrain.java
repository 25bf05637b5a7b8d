package dev.streamtrain.jobs.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code ./streamtrain} command line. stdout carries machine-readable output only (JSON lines);
 * progress and logs go to stderr.
 */
@Command(name = "streamtrain", mixinStandardHelpOptions = true, version = "streamtrain 0.1.0",
        description = "Online training of PyTorch (DJL) models inside Apache Flink.",
        subcommands = {LocalCommand.class, EventsCommand.class, FetchCommand.class, StackCommand.class, BenchCommand.class,
                ClusterCommand.class, FlinkCommand.class})
public final class Streamtrain implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.err);
    }

    public static void main(String[] args) {
        int rc = new CommandLine(new Streamtrain())
                .setOut(new java.io.PrintWriter(System.err, true)) // help and usage are for humans
                .execute(args);
        System.exit(rc);
    }
}
