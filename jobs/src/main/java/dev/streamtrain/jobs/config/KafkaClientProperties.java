package dev.streamtrain.jobs.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Kafka client properties given by the user ({@code kafka.properties.<client key>} in the job's
 * configuration, {@code --command-config}/{@code --kafka-property} for the tools), passed as they are
 * to every Kafka client — the way Flink's Kafka table connector takes {@code properties.*}. This is how
 * a job reaches a secured cluster: {@code security.protocol}, {@code sasl.*}, {@code ssl.*}.
 *
 * <p>Keys that the job sets itself are refused: overriding them would silently break exactly-once
 * delivery or the record formats, so a value given for them is a mistake, not a tuning knob.
 */
public final class KafkaClientProperties {
    /** The job-configuration prefix of a client property. */
    public static final String PREFIX = "kafka.properties.";

    private static final Pattern JAAS_OPTION_VALUE = Pattern.compile("([A-Za-z0-9_.]+)\\s*=\\s*\"([^\"]*)\"");

    /** Client keys the job controls, each with why (the refusal message says it). */
    private static final Map<String, String> CONTROLLED = controlled();

    private KafkaClientProperties() {}

    private static Map<String, String> controlled() {
        Map<String, String> m = new LinkedHashMap<>();
        String exactlyOnce = "the exactly-once sinks and the read_committed readers depend on it";
        m.put("bootstrap.servers", "give kafka.bootstrap-servers (tools: --bootstrap-servers)");
        m.put("isolation.level", "consumers read committed records only (" + exactlyOnce + ")");
        m.put("transactional.id", "the sinks derive unique transactional ids per run (" + exactlyOnce + ")");
        m.put("enable.idempotence", exactlyOnce);
        m.put("transaction.timeout.ms", "give kafka.transaction-timeout");
        m.put("acks", "transactions need acks=all (" + exactlyOnce + ")");
        m.put("enable.auto.commit", "offsets live in Flink's checkpoints");
        m.put("group.id", "give kafka.group-id");
        m.put("key.serializer", "the job writes its own record formats");
        m.put("value.serializer", "the job writes its own record formats");
        m.put("key.deserializer", "the job reads its own record formats");
        m.put("value.deserializer", "the job reads its own record formats");
        return Map.copyOf(m);
    }

    /**
     * Whether a client key's value is a secret: SASL JAAS configurations (they hold passwords or client
     * secrets), every {@code *.password}, {@code *secret*} and PEM private keys ({@code ssl.keystore.key}).
     */
    public static boolean isSecretClientKey(String key) {
        String k = key.toLowerCase(Locale.ROOT);
        return k.endsWith("jaas.config")
                || k.contains("password")
                || k.contains("secret")
                || k.endsWith("ssl.keystore.key")
                || k.contains("credentials");
    }

    /**
     * The secret strings among {@code clientProperties}: the values of secret keys and, inside JAAS
     * configurations, each quoted option value (a password, a client secret), which could otherwise
     * show up alone in a message.
     */
    public static Set<String> secretValues(Map<String, String> clientProperties) {
        Set<String> out = new LinkedHashSet<>();
        clientProperties.forEach((k, v) -> {
            if (isSecretClientKey(k) && v != null && !v.isEmpty()) {
                out.add(v);
                if (k.endsWith("jaas.config")) {
                    Matcher m = JAAS_OPTION_VALUE.matcher(v);
                    while (m.find()) {
                        if (m.group(1).toLowerCase(Locale.ROOT).matches(".*(password|secret|token|key).*")) {
                            out.add(m.group(2));
                        }
                    }
                }
            }
        });
        return out;
    }

    /** {@code message} with every one of {@code secrets} replaced by {@link JobConfig#MASKED}. */
    public static String redact(String message, Set<String> secrets) {
        if (message == null) {
            return null;
        }
        String out = message;
        for (String s : secrets) {
            out = out.replace(s, JobConfig.MASKED);
        }
        return out;
    }

    /** One problem per controlled key among {@code clientProperties}, saying why it is refused; {@code origin} names where it was given. */
    public static List<String> refused(Map<String, String> clientProperties, String origin) {
        List<String> problems = new ArrayList<>();
        clientProperties.keySet().forEach(k -> {
            String why = CONTROLLED.get(k);
            if (why != null) {
                problems.add(origin + k + " is set by streamtrain itself and cannot be overridden: " + why);
            }
        });
        return problems;
    }

    /** The client properties among job keys ({@code kafka.properties.} stripped). */
    public static Map<String, String> fromJobKeys(Map<String, String> jobKeys) {
        Map<String, String> out = new LinkedHashMap<>();
        jobKeys.forEach((k, v) -> {
            if (k.startsWith(PREFIX) && k.length() > PREFIX.length()) {
                out.put(k.substring(PREFIX.length()), v);
            }
        });
        return out;
    }

    /** As {@link Properties}, for a client's builder. */
    public static Properties asProperties(Map<String, String> clientProperties) {
        Properties p = new Properties();
        p.putAll(clientProperties);
        return p;
    }
}
