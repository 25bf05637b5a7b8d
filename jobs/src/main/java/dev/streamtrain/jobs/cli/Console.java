package dev.streamtrain.jobs.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * How every command talks to its caller, a picocli mixin: stdout carries machine-readable lines
 * only (one JSON object per result), stderr carries {@code streamtrain <command>: message} for
 * people, and the exit code is one of the constants below. {@link Streamtrain#execute} hands every
 * command a console on the caller's streams (tests use it); otherwise it is the process's own.
 */
@Command // picocli takes a class as a mixin only when it carries one of its annotations
final class Console {
    /** Done. */
    static final int OK = 0;
    /** Failed part-way, after something changed (the message says what is left to do). */
    static final int FAILED = 1;
    /** Usage, configuration, or a service that cannot be reached or refuses access. */
    static final int USAGE = 2;
    /** A check did not pass: an artifact does not match its manifest, a cluster does not answer. */
    static final int CHECK_FAILED = 3;
    /** What was asked for does not exist: a topic, an epoch, a restore point, a run's events. */
    static final int NOT_FOUND = 4;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final PrintStream out;
    private final PrintStream err;
    private final InputStream in;

    /** The command this console belongs to; names it in messages. Null outside picocli. */
    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    /** The process's own streams (picocli makes mixins with this constructor). */
    Console() {
        this(System.out, System.err, System.in);
    }

    Console(PrintStream out, PrintStream err) {
        this(out, err, System.in);
    }

    Console(PrintStream out, PrintStream err, InputStream in) {
        this.out = out;
        this.err = err;
        this.in = in;
    }

    /** One result as one JSON line on stdout. */
    void json(Object value) {
        try {
            line(JSON.writeValueAsString(value));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e); // maps of strings and numbers: cannot happen
        }
    }

    /** One line on stdout as it is: JSON made elsewhere, or a table row of {@code --format human}. */
    void line(String text) {
        out.println(text);
        out.flush();
    }

    /** {@code streamtrain <command>: message} on stderr. */
    void say(String message) {
        err.println(prefix() + message);
    }

    /** Says {@code message} and returns {@code exitCode}, for {@code return console.fail(...)}. */
    int fail(int exitCode, String message) {
        say(message);
        return exitCode;
    }

    /** {@link #fail} with {@link #USAGE}. */
    int usage(String message) {
        return fail(USAGE, message);
    }

    /** A line on stderr as it is, for people: a table, a blank line. */
    void note(String text) {
        err.println(text);
    }

    /** What the caller pipes in ({@code fetch --event -}). */
    InputStream in() {
        return in;
    }

    /** {@code streamtrain <command>: }, the command being the top-level one ({@code cluster}, not {@code start}). */
    private String prefix() {
        if (command == null) {
            return "streamtrain: ";
        }
        CommandSpec top = command;
        while (top.parent() != null && top.parent().parent() != null) {
            top = top.parent();
        }
        return "streamtrain " + top.name() + ": ";
    }
}
