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
import java.util.Properties;
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
}
