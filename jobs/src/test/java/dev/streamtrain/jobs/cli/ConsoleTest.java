package dev.streamtrain.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

class ConsoleTest {
    @Command(name = "demo")
    static final class Demo implements Callable<Integer> {
        @Mixin
        Console console;

        @Override
        public Integer call() {
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("a", 1);
            result.put("b", "x");
            console.json(result);
            console.say("progress");
            return console.fail(Console.NOT_FOUND, "no such thing");
        }
    }

    @Command(name = "outer", subcommands = Demo.class)
    static final class Outer implements Runnable {
        @Override
        public void run() {}
    }

    @Command(name = "streamtrain", subcommands = Outer.class)
    static final class Root implements Runnable {
        @Override
        public void run() {}
    }

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private Console captured() {
        return new Console(
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void aGivenConsoleIsKeptAndNamedAfterItsCommand() {
        Demo demo = new Demo();
        demo.console = captured();
        assertEquals(Console.NOT_FOUND, new CommandLine(demo).execute());
        assertEquals("{\"a\":1,\"b\":\"x\"}\n", out.toString(StandardCharsets.UTF_8), "one JSON line on stdout");
        assertEquals(
                "streamtrain demo: progress\nstreamtrain demo: no such thing\n", err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aSubcommandSpeaksInTheNameOfItsTopLevelCommand() {
        CommandLine.IFactory factory = new CommandLine.IFactory() {
            @Override
            public <K> K create(Class<K> cls) throws Exception {
                return cls == Console.class
                        ? cls.cast(captured())
                        : CommandLine.defaultFactory().create(cls);
            }
        };
        assertEquals(Console.NOT_FOUND, new CommandLine(new Root(), factory).execute("outer", "demo"));
        assertEquals(
                "streamtrain outer: progress\nstreamtrain outer: no such thing\n",
                err.toString(StandardCharsets.UTF_8),
                "the console the factory made, named like `streamtrain cluster: ` for `cluster start`");
    }

    @Test
    void usageIsExit2() {
        Console console = captured();
        assertEquals(2, console.usage("give --x"));
        assertEquals(
                "streamtrain: give --x\n",
                err.toString(StandardCharsets.UTF_8),
                "outside picocli it has no command name");
    }
}
