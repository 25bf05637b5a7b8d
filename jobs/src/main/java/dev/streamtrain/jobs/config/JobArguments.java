package dev.streamtrain.jobs.config;

import dev.streamtrain.store.S3Endpoint;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Rebuilds a training job's arguments from what a running job reports (its global job parameters,
 * secrets masked, see {@link JobConfig#describe()}) — for restarting it as it was configured.
 */
public final class JobArguments {
    private JobArguments() {}

    /**
     * @param reported  the job's parameters as Flink shows them
     * @param overrides {@code --key value} / {@code --key=value} arguments that win over the reported ones
     * @param s3        credentials to fill the masked S3 keys back in with (may be null)
     * @param kafkaProperties the tool's Kafka client properties, to fill the masked {@code kafka.properties.*} keys back in with
     * @param attempt   the {@code run.attempt} of the restarted job
     * @throws InvalidConfigurationException for malformed overrides, or a masked secret with nothing to fill it
     */
    public static List<String> rebuild(
            Map<String, String> reported,
            List<String> overrides,
            S3Endpoint s3,
            Map<String, String> kafkaProperties,
            int attempt) {
        Map<String, String> given = KeyValueArguments.parse(overrides);
        Map<String, String> args = new LinkedHashMap<>();
        for (Map.Entry<String, String> p : reported.entrySet()) {
            String value = p.getValue();
            if (JobConfig.MASKED.equals(value) && !given.containsKey(p.getKey())) {
                value = switch (p.getKey()) {
                    case "s3.access-key" -> s3 == null ? null : s3.accessKey();
                    case "s3.secret-key" -> s3 == null ? null : s3.secretKey();
                    case "s3.trust-store-password" ->
                        s3 == null || s3.trust() == null ? null : s3.trust().password();
                    default ->
                        p.getKey().startsWith(KafkaClientProperties.PREFIX)
                                ? kafkaProperties.get(p.getKey().substring(KafkaClientProperties.PREFIX.length()))
                                : null;
                };
                if (value == null) {
                    throw new InvalidConfigurationException(List.of("the job was given the secret " + p.getKey()
                            + ", which Flink does not show: give it again after --: -- --" + p.getKey() + " <value>"
                            + (p.getKey().startsWith(KafkaClientProperties.PREFIX)
                                    ? " (or in the tool's --command-config / --kafka-property)"
                                    : "")));
                }
            }
            args.put(p.getKey(), value);
        }
        args.putAll(given);
        args.put(TrainingJobOptions.ATTEMPT.key(), String.valueOf(attempt));
        List<String> out = new ArrayList<>();
        args.forEach((k, v) -> {
            out.add("--" + k);
            out.add(v);
        });
        return out;
    }
}
