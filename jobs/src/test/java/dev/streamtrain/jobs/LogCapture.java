package dev.streamtrain.jobs;

import java.io.StringWriter;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.WriterAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.layout.PatternLayout;

/**
 * Every log line of this JVM at INFO and up, while open — for scanning them for secrets. INFO
 * matters: that is where the Kafka clients print their configuration. The console keeps its own
 * level, so the test output stays as quiet as before.
 */
final class LogCapture implements AutoCloseable {
    private final StringWriter text = new StringWriter();
    private final LoggerContext context;
    private final WriterAppender appender;
    private final Level rootLevel;

    private LogCapture() {
        context = (LoggerContext) LogManager.getContext(false);
        Configuration config = context.getConfiguration();
        appender = WriterAppender.newBuilder()
                .setName("secret-scan")
                .setTarget(text)
                .setLayout(PatternLayout.newBuilder()
                        .withPattern("%c %m%n%throwable")
                        .build())
                .build();
        appender.start();
        LoggerConfig root = config.getRootLogger();
        rootLevel = root.getLevel();
        // the console keeps what it showed: re-attached with the root's former level as its threshold
        for (Appender a : root.getAppenders().values()) {
            root.removeAppender(a.getName());
            root.addAppender(a, rootLevel, null);
        }
        root.addAppender(appender, Level.INFO, null);
        root.setLevel(Level.INFO);
        context.updateLoggers();
    }

    static LogCapture start() {
        return new LogCapture();
    }

    String text() {
        synchronized (text) {
            return text.toString();
        }
    }

    @Override
    public void close() {
        LoggerConfig root = context.getConfiguration().getRootLogger();
        root.removeAppender(appender.getName());
        root.setLevel(rootLevel);
        context.updateLoggers();
        appender.stop();
    }
}
