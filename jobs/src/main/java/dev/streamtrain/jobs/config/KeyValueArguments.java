package dev.streamtrain.jobs.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The one parser of {@code --key value} / {@code --key=value} arguments (job arguments, rollback overrides). */
public final class KeyValueArguments {
    private KeyValueArguments() {}

    /**
     * The pairs in the order given; a key given twice keeps its last value.
     *
     * @throws InvalidConfigurationException for an argument that is not {@code --key}, or a key without a value
     */
    public static Map<String, String> parse(List<String> args) {
        Map<String, String> pairs = new LinkedHashMap<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (!a.startsWith("--") || a.length() < 3) {
                throw new InvalidConfigurationException(List.of("unexpected argument '" + a + "': use --key value"));
            }
            int eq = a.indexOf('=');
            if (eq > 2) {
                pairs.put(a.substring(2, eq), a.substring(eq + 1));
            } else if (i + 1 < args.size()) {
                pairs.put(a.substring(2), args.get(++i));
            } else {
                throw new InvalidConfigurationException(List.of(a + " needs a value"));
            }
        }
        return pairs;
    }
}
