package dev.streamtrain.localstack;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.util.Arrays;

/**
 * Entry point of every child JVM the local stack starts: runs the real main class given as the
 * first argument, and halts the JVM as soon as its stdin closes. The parent holds the other end of
 * that pipe, so when the parent dies — even by {@code kill -9} — the child goes too: no leftover
 * brokers or ports.
 */
public final class ChildMain {
    private ChildMain() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            throw new IllegalArgumentException("usage: ChildMain <main class> [args...]");
        }
        Thread watchdog = new Thread(ChildMain::haltWhenParentGoes, "parent-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        Method main = Class.forName(args[0]).getMethod("main", String[].class);
        main.invoke(null, (Object) Arrays.copyOfRange(args, 1, args.length));
    }

    private static void haltWhenParentGoes() {
        try (InputStream in = System.in) {
            while (in.read() != -1) {
                // the parent never writes; any byte is ignored
            }
        } catch (IOException ignored) {
            // a broken pipe means the same as EOF
        }
        Runtime.getRuntime().halt(0);
    }
}
