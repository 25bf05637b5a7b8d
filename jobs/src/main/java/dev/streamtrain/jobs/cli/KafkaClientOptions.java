package dev.streamtrain.jobs.cli;

import dev.streamtrain.jobs.config.KafkaClientProperties;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * How a command-line tool reaches Kafka (a picocli mixin): {@code --bootstrap-servers}, and for a
 * secured cluster the client properties: {@code --command-config FILE}, a client properties file as
 * Kafka's own tools take it, and {@code --kafka-property KEY=VALUE}, which wins. Keys the tools set
 * themselves are refused, and a problem is a usage error (exit 2) found while the arguments are parsed.
 */
final class KafkaClientOptions {
    /** What a tool says when neither the flag nor the environment names the servers. */
    static final String MISSING_BOOTSTRAP = "give --bootstrap-servers or set STREAMTRAIN_KAFKA";

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(
            names = "--bootstrap-servers",
            defaultValue = "${env:STREAMTRAIN_KAFKA}",
            description = "Kafka bootstrap servers (default: $STREAMTRAIN_KAFKA)")
    String bootstrap;

    private final Map<String, String> fromFile = new LinkedHashMap<>();
    private final Map<String, String> given = new LinkedHashMap<>();

    @Option(
            names = "--command-config",
            paramLabel = "FILE",
            description =
                    "Kafka client properties file (security.protocol, sasl.*, ssl.*), as Kafka's own tools take it")
    void commandConfig(Path file) {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (IOException e) {
            throw new ParameterException(spec.commandLine(), "--command-config " + file + " cannot be read: " + e);
        }
        Map<String, String> read = new LinkedHashMap<>();
        p.stringPropertyNames().forEach(k -> read.put(k, p.getProperty(k)));
        refuseControlled(read, "--command-config " + file + ": ");
        fromFile.clear();
        fromFile.putAll(read);
    }

    @Option(
            names = "--kafka-property",
            paramLabel = "KEY=VALUE",
            description = "one Kafka client property, repeatable; wins over --command-config")
    void kafkaProperty(Map<String, String> properties) {
        refuseControlled(properties, "--kafka-property ");
        given.putAll(properties);
    }

    private void refuseControlled(Map<String, String> properties, String origin) {
        List<String> problems = KafkaClientProperties.refused(properties, origin);
        if (!problems.isEmpty()) {
            throw new ParameterException(spec.commandLine(), String.join("; ", problems));
        }
    }

    /** The bootstrap servers, or null when neither --bootstrap-servers nor STREAMTRAIN_KAFKA gives them. */
    String bootstrapServers() {
        return bootstrap == null || bootstrap.isBlank() ? null : bootstrap;
    }

    /** The client properties for every Kafka client of the tool: the file's, then the flags'. */
    Map<String, String> clientProperties() {
        Map<String, String> all = new LinkedHashMap<>(fromFile);
        all.putAll(given);
        return all;
    }

    /**
     * Why Kafka refused the tool, in words that name what to fix, when {@code failure} (or one of its
     * causes) is a failed TLS handshake or refused credentials: these fail at once and no retry helps,
     * unlike an unreachable broker. Empty for any other failure. Secrets are redacted.
     */
    Optional<String> refusal(Throwable failure) {
        // SslAuthenticationException is an AuthenticationException: the handshake is checked first
        if (causedBy(failure, SslAuthenticationException.class)) {
            return Optional.of("TLS handshake failed with Kafka at " + bootstrap + " (" + rootMessage(failure)
                    + "): check that the listener speaks TLS and that ssl.truststore.* (--command-config or "
                    + "--kafka-property) holds the CA of the brokers' certificates");
        }
        if (causedBy(failure, AuthenticationException.class)) {
            return Optional.of("authentication failed at Kafka " + bootstrap + " (" + rootMessage(failure)
                    + "): check the user and password in sasl.jaas.config and sasl.mechanism (--command-config or "
                    + "--kafka-property)");
        }
        return Optional.empty();
    }

    /** {@code message} with every secret client property value masked, for messages that quote a client. */
    String redacted(String message) {
        return KafkaClientProperties.redact(message, KafkaClientProperties.secretValues(clientProperties()));
    }

    private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    private String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return redacted(t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage());
    }
}
