package dev.streamtrain.jobs.cli;

import dev.streamtrain.jobs.KafkaClients;
import dev.streamtrain.jobs.serve.ModelServer;
import dev.streamtrain.store.RunKey;
import dev.streamtrain.store.S3Clients;
import dev.streamtrain.store.S3Endpoint;
import dev.streamtrain.trainer.ModelSpec;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import software.amazon.awssdk.services.s3.S3Client;

/** A reference predictor: follows a run's events and serves its newest live epoch over HTTP JSON. */
@Command(
        name = "serve",
        mixinStandardHelpOptions = true,
        description = {
            "Serve a run's model over HTTP JSON, hot-swapping each new promoted epoch (events with promoted: false,",
            "held back by store.promote-mode=metric, are skipped unless --every-epoch): it follows the run's events",
            "(read_committed), downloads each new epoch's model.safetensors, verifies its sha256 against the",
            "manifest, builds the model from the manifest's modelConfig and swaps it in atomically; a",
            "rolled-back event swaps back to that epoch. A model that does not verify is never served.",
            "POST /predict {\"features\": [[...], ...]} -> {\"outputs\", \"epoch\", \"attempt\", \"modelSha256\"};",
            "GET /model, /health, /ready, /metrics. Prints one JSON line (url, key) once listening; Ctrl-C stops.",
            "Exit codes: 2 usage, configuration, or Kafka unreachable or refusing the credentials, 4 the topic",
            "does not exist (both checked before listening)."
        })
final class ServeCommand implements Callable<Integer> {
    @Option(names = "--key", required = true, description = "the run: <experiment>/<run>/<model>")
    String key;

    @Mixin
    KafkaClientOptions kafkaOptions = new KafkaClientOptions();

    @Option(names = "--topic", defaultValue = "model-checkpoints", description = "(default: ${DEFAULT-VALUE})")
    String topic;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "address to bind (default: ${DEFAULT-VALUE})")
    String host;

    @Option(names = "--port", defaultValue = "8080", description = "0 picks a free one (default: ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--threads", defaultValue = "16", description = "HTTP worker threads (default: ${DEFAULT-VALUE})")
    int threads;

    @Option(
            names = "--max-body-bytes",
            defaultValue = "8388608",
            description = "larger bodies get 413 (default: 8 MiB)")
    int maxBodyBytes;

    @Option(names = "--device", defaultValue = "CPU", description = "CPU, GPU or AUTO (default: ${DEFAULT-VALUE})")
    ModelSpec.DeviceChoice device;

    @Option(
            names = "--every-epoch",
            description = "serve every committed epoch, also those the promotion gate held back (events with"
                    + " promoted: false); default: promoted epochs only, as latest")
    boolean everyEpoch;

    @Mixin
    S3Options s3Options = new S3Options();

    @Mixin
    Console console;

    @Override
    public Integer call() throws IOException, InterruptedException {
        String bootstrap = kafkaOptions.bootstrapServers();
        if (bootstrap == null) {
            return console.usage(KafkaClientOptions.MISSING_BOOTSTRAP);
        }
        try {
            RunKey.parse(key);
        } catch (IllegalArgumentException e) {
            return console.usage("--key: " + e.getMessage());
        }
        if (threads < 1 || maxBodyBytes < 64 || port < 0 || port > 65535) {
            return console.usage("--threads must be at least 1, --max-body-bytes at least 64, --port 0..65535");
        }
        S3Endpoint s3 = s3Options.resolve();
        if (s3 == null) {
            return console.usage(S3Options.MISSING);
        }
        Integer kafkaProblem = checkTopic(bootstrap);
        if (kafkaProblem != null) {
            return kafkaProblem;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        try (S3Client client = S3Clients.create(s3);
                ModelServer server = new ModelServer(
                                new ModelServer.Settings(
                                        bootstrap, topic, key, host, port, threads, maxBodyBytes, device, everyEpoch),
                                client,
                                kafkaOptions.clientProperties())
                        .start()) {
            Runtime.getRuntime().addShutdownHook(new Thread(stopped::countDown, "serve-shutdown"));
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("url", "http://" + host + ":" + server.port());
            line.put("key", key);
            line.put("topic", topic);
            console.json(line);
            console.say("listening on http://" + host + ":" + server.port() + " for " + key + "; Ctrl-C stops");
            stopped.await();
        }
        return Console.OK;
    }

    /**
     * The exit code when the events cannot be followed at all, else null: checked before listening, so
     * that wrong credentials or a mistyped topic end the command with a message instead of a server that
     * never becomes ready (the follower would only log why).
     */
    private Integer checkTopic(String bootstrap) {
        try (KafkaConsumer<byte[], byte[]> consumer =
                KafkaClients.readCommittedConsumer(bootstrap, kafkaOptions.clientProperties())) {
            if (consumer.partitionsFor(topic, Duration.ofSeconds(15)).isEmpty()) {
                return console.fail(Console.NOT_FOUND, "topic '" + topic + "' does not exist on " + bootstrap);
            }
            return null;
        } catch (KafkaException e) { // a timeout, or credentials or a handshake refused
            return console.usage(kafkaOptions
                    .refusal(e)
                    .orElse("Kafka at " + bootstrap + " did not answer: " + kafkaOptions.redacted(e.getMessage())));
        }
    }
}
