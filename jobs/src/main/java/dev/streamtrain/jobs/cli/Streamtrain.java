package dev.streamtrain.jobs.cli;

import java.io.PrintStream;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code ./streamtrain} command line. stdout carries machine-readable output only (JSON lines);
 * progress and logs go to stderr.
 */
@Command(
        name = "streamtrain",
        mixinStandardHelpOptions = true,
        version = "streamtrain 0.1.0",
        description = "Online training of PyTorch (DJL) models inside Apache Flink.",
        subcommands = {
            LocalCommand.class,
            EventsCommand.class,
            FetchCommand.class,
            StackCommand.class,
            BenchCommand.class,
            ClusterCommand.class,
            FlinkCommand.class,
            RollbackCommand.class,
            ProduceCommand.class,
            PlotCommand.class,
            ServeCommand.class
        })
public final class Streamtrain implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.err);
    }

    /**
     * Runs one command in this JVM, its stdout and stderr going to {@code out} and {@code err}
     * (every command prints through its {@link Console}; tests use this); returns the exit code.
     */
    public static int execute(PrintStream out, PrintStream err, String... args) {
        CommandLine.IFactory factory = new CommandLine.IFactory() {
            @Override
            public <K> K create(Class<K> cls) throws Exception {
                return cls == Console.class
                        ? cls.cast(new Console(out, err))
                        : CommandLine.defaultFactory().create(cls);
            }
        };
        return new CommandLine(new Streamtrain(), factory)
                .setOut(new PrintWriter(err, true))
                .execute(args);
    }

    public static void main(String[] args) {
        int rc = new CommandLine(new Streamtrain())
                .setOut(new PrintWriter(System.err, true)) // help and usage are for humans
                .execute(args);
        System.exit(rc);
    }
}
