package dev.streamtrain.jobs.config;

import static dev.streamtrain.jobs.config.TrainingJobOptions.ALL;
import static dev.streamtrain.jobs.config.TrainingJobOptions.ATTEMPT;
import static dev.streamtrain.jobs.config.TrainingJobOptions.CHECKPOINT_DIR;
import static dev.streamtrain.jobs.config.TrainingJobOptions.CHECKPOINT_INTERVAL;
import static dev.streamtrain.jobs.config.TrainingJobOptions.EPOCH_SAMPLES;
import static dev.streamtrain.jobs.config.TrainingJobOptions.EXPERIMENT;
import static dev.streamtrain.jobs.config.TrainingJobOptions.FEATURE_DIM;
import static dev.streamtrain.jobs.config.TrainingJobOptions.KAFKA_BOOTSTRAP_SERVERS;
import static dev.streamtrain.jobs.config.TrainingJobOptions.MODEL_NAME;
import static dev.streamtrain.jobs.config.TrainingJobOptions.REPORT_EVERY;
import static dev.streamtrain.jobs.config.TrainingJobOptions.RUN;
import static dev.streamtrain.jobs.config.TrainingJobOptions.S3_TRUST_STORE;
import static dev.streamtrain.jobs.config.TrainingJobOptions.S3_TRUST_STORE_PASSWORD;
import static dev.streamtrain.jobs.config.TrainingJobOptions.SOURCE_PARALLELISM;
import static dev.streamtrain.jobs.config.TrainingJobOptions.STORE_BUCKET;
import static dev.streamtrain.jobs.config.TrainingJobOptions.STORE_KEEP_BEST;
import static dev.streamtrain.jobs.config.TrainingJobOptions.STORE_KEEP_LAST;

import dev.streamtrain.trainer.TorchThreads;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;

/**
 * What {@link JobConfig} checks at start-up, each check reporting every problem at once with what
 * to fix: unknown keys (with a "did you mean"), values that do not parse, and the rules between keys.
 */
final class ConfigChecks {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    /** Flink's own keys may be given too; they configure the execution environment. */
    private static final List<String> FLINK_PREFIXES = List.of(
            "s3.",
            "execution.",
            "state.",
            "restart-strategy.",
            "pipeline.",
            "parallelism.",
            "taskmanager.",
            "jobmanager.",
            "rest.",
            "fs.",
            "metrics.",
            "env.java.opts");

    private ConfigChecks() {}

    static boolean isFlinkKey(String key) {
        return FLINK_PREFIXES.stream().anyMatch(key::startsWith);
    }

    /** @throws InvalidConfigurationException naming every key that is neither ours nor Flink's */
    static void rejectUnknownKeys(Map<String, String> values) {
        List<String> unknown = new ArrayList<>();
        Set<String> known = ALL.stream().map(ConfigOption::key).collect(Collectors.toSet());
        for (String key : values.keySet()) {
            if (!known.contains(key) && !isFlinkKey(key) && !key.startsWith(KafkaClientProperties.PREFIX)) {
                unknown.add("unknown key '" + key + "'" + suggestion(key, known));
            }
        }
        if (!unknown.isEmpty()) {
            throw new InvalidConfigurationException(unknown);
        }
    }

    /** Parses every typed value once, so that a bad number or enum fails here, named. */
    static void parseEveryTypedValue(Configuration conf, Map<String, String> values) {
        for (ConfigOption<?> option : ALL) {
            try {
                conf.getOptional(option);
            } catch (IllegalArgumentException e) {
                throw new InvalidConfigurationException(List.of(option.key() + " = '" + values.get(option.key())
                        + "' is not valid: " + option.description() + rootMessage(e)));
            }
        }
    }

    /** s3.trust-store names a readable file; a password without a store is a mistake. Never shows the password. */
    static List<String> trustStoreProblems(Configuration conf) {
        List<String> problems = new ArrayList<>();
        String store = conf.get(S3_TRUST_STORE);
        if (store != null && !Files.isReadable(Paths.get(store.trim()))) {
            problems.add(S3_TRUST_STORE.key() + " = '" + store + "': no readable file there. "
                    + S3_TRUST_STORE.description());
        }
        if (store == null && conf.contains(S3_TRUST_STORE_PASSWORD)) {
            problems.add(S3_TRUST_STORE_PASSWORD.key() + " is given without " + S3_TRUST_STORE.key()
                    + ": name the trust store it opens");
        }
        return problems;
    }

    /** The rules between keys: what is required, names, ranges. Empty when all hold. */
    static List<String> problems(Configuration conf) {
        List<String> problems = new ArrayList<>(KafkaClientProperties.refused(
                KafkaClientProperties.fromJobKeys(conf.toMap()), KafkaClientProperties.PREFIX));
        for (ConfigOption<?> required : List.of(KAFKA_BOOTSTRAP_SERVERS, FEATURE_DIM, CHECKPOINT_DIR)) {
            if (!conf.contains(required)) {
                problems.add(required.key() + " is required: " + required.description());
            }
        }
        for (ConfigOption<String> name : List.of(EXPERIMENT, RUN, MODEL_NAME)) {
            String v = conf.get(name);
            if (!NAME.matcher(v).matches()) {
                problems.add(name.key() + " = '" + v
                        + "': use letters, digits, '.', '_' or '-' (it becomes part of object paths)");
            }
        }
        conf.getOptional(CHECKPOINT_DIR).ifPresent(dir -> {
            if (!dir.matches("^(s3|s3p|s3a|file|hdfs)://.+")) {
                problems.add(CHECKPOINT_DIR.key() + " = '" + dir + "': give a URI such as s3://bucket/checkpoints");
            }
        });
        if (!conf.contains(STORE_BUCKET)
                && conf.getOptional(CHECKPOINT_DIR)
                        .filter(d -> d.startsWith("s3"))
                        .isEmpty()) {
            problems.add(STORE_BUCKET.key() + " is required when checkpoint.dir is not on S3: "
                    + STORE_BUCKET.description());
        }
        problems.addAll(trustStoreProblems(conf));
        if (conf.get(STORE_KEEP_LAST) < 0 || conf.get(STORE_KEEP_BEST) < 0) {
            problems.add(STORE_KEEP_LAST.key() + " and " + STORE_KEEP_BEST.key() + " must be >= 0");
        }
        if (conf.get(EPOCH_SAMPLES) <= 0) {
            problems.add(EPOCH_SAMPLES.key() + " must be positive");
        }
        if (conf.get(ATTEMPT) < 1) {
            problems.add(ATTEMPT.key() + " must be at least 1");
        }
        if (conf.get(REPORT_EVERY) <= 0) {
            problems.add(REPORT_EVERY.key() + " must be positive");
        }
        for (ConfigOption<String> threads : List.of(TrainingJobOptions.THREADS, TrainingJobOptions.INTEROP_THREADS)) {
            try {
                TorchThreads.Request.parse(threads.key(), conf.get(threads));
            } catch (IllegalArgumentException e) {
                problems.add(e.getMessage());
            }
        }
        double multiple = conf.get(TrainingJobOptions.GUARD_LOSS_MULTIPLE);
        if (!(multiple > 1.0) || Double.isInfinite(multiple)) {
            problems.add(TrainingJobOptions.GUARD_LOSS_MULTIPLE.key() + " must be a finite number > 1");
        }
        if (conf.get(TrainingJobOptions.GUARD_CONSECUTIVE_BATCHES) < 1) {
            problems.add(TrainingJobOptions.GUARD_CONSECUTIVE_BATCHES.key() + " must be at least 1");
        }
        if (conf.get(TrainingJobOptions.GUARD_MEAN_BATCHES) < 1) {
            problems.add(TrainingJobOptions.GUARD_MEAN_BATCHES.key() + " must be at least 1");
        }
        if (conf.get(SOURCE_PARALLELISM) < 1) {
            problems.add(SOURCE_PARALLELISM.key() + " must be at least 1");
        }
        if (conf.get(CHECKPOINT_INTERVAL).toMillis() < 10) {
            problems.add(CHECKPOINT_INTERVAL.key() + " must be at least 10 ms");
        }
        return problems;
    }

    private static String suggestion(String key, Set<String> known) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String k : known) {
            int d = levenshtein(key, k);
            if (d < bestDistance) {
                bestDistance = d;
                best = k;
            }
        }
        return bestDistance <= 3 ? " (did you mean '" + best + "'?)" : " (see docs/configuration.md)";
    }

    private static int levenshtein(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage() == null ? "" : " (" + t.getMessage() + ")";
    }
}
