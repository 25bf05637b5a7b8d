package dev.streamtrain.jobs.cli;

import dev.streamtrain.jobs.KafkaClients;
import dev.streamtrain.jobs.SampleProducer;
import dev.streamtrain.sample.SampleFormat;
import dev.streamtrain.sample.synthetic.TeacherStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.KafkaException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Produces a synthetic training stream (a seeded teacher network's regression targets) to a topic. */
@Command(
        name = "produce",
        mixinStandardHelpOptions = true,
        description = {
            "Produce synthetic training samples to a Kafka topic: features ~ N(0,1), labels from a",
            "fixed random teacher MLP (the same --seed gives the same stream). The format and --feature-dim must",
            "match the job's sample.format and sample.feature-dim. Progress on stderr; one JSON line at the end.",
            "Exit codes: 0 produced, 2 usage or Kafka unreachable, 4 the topic does not exist."
        })
final class ProduceCommand implements Callable<Integer> {
    @Mixin
    KafkaClientOptions kafkaOptions = new KafkaClientOptions();

    @Option(names = "--topic", defaultValue = "samples", description = "(default: ${DEFAULT-VALUE})")
    String topic;

    @Option(names = "--samples", defaultValue = "100000", description = "how many (default: ${DEFAULT-VALUE})")
    long samples;

    @Option(
            names = "--rate",
            defaultValue = "0",
            description = "samples per second; 0: as fast as Kafka takes them (default)")
    int rate;

    @Option(names = "--format", defaultValue = "JSON", description = "JSON or BINARY (default: ${DEFAULT-VALUE})")
    SampleFormat format;

    @Option(names = "--feature-dim", defaultValue = "64", description = "(default: ${DEFAULT-VALUE})")
    int featureDim;

    @Option(names = "--seed", defaultValue = "1", description = "teacher and data seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Mixin
    Console console;

    @Override
    public Integer call() throws Exception {
        String bootstrap = kafkaOptions.bootstrapServers();
        if (bootstrap == null) {
            return console.usage(KafkaClientOptions.MISSING_BOOTSTRAP);
        }
        if (samples < 1 || rate < 0 || featureDim < 1) {
            return console.usage("--samples and --feature-dim must be positive, --rate not negative");
        }
        TeacherStream teacher = TeacherStream.builder()
                .format(format)
                .featureDim(featureDim)
                .regression(1)
                .seed(seed)
                .build();
        long t0 = System.nanoTime();
        long lastProgress = t0;
        try (Admin admin = KafkaClients.admin(bootstrap, kafkaOptions.clientProperties(), 10_000)) {
            if (!admin.listTopics().names().get(15, TimeUnit.SECONDS).contains(topic)) {
                return console.fail(
                        Console.NOT_FOUND,
                        "topic '" + topic + "' does not exist on " + bootstrap
                                + " (./streamtrain cluster start --local-stack creates 'samples')");
            }
        } catch (ExecutionException | TimeoutException e) {
            return console.usage(kafkaOptions
                    .refusal(e)
                    .orElse("Kafka at " + bootstrap + " is unreachable: " + kafkaOptions.redacted(e.getMessage())));
        }
        try (SampleProducer producer = new SampleProducer(bootstrap, topic, kafkaOptions.clientProperties())) {
            long sent = 0;
            while (sent < samples) {
                int chunk = (int) Math.min(rate > 0 ? Math.max(1, rate / 20) : 1024, samples - sent);
                producer.send(teacher, chunk, n -> {});
                sent += chunk;
                if (rate > 0) {
                    producer.flush();
                    long wait = t0 + sent * 1_000_000_000L / rate - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                    }
                }
                if (System.nanoTime() - lastProgress > 1_000_000_000L) {
                    lastProgress = System.nanoTime();
                    console.say(String.format("%d of %d samples to '%s'", sent, samples, topic));
                }
            }
        } catch (KafkaException e) {
            // a send Kafka refused, or no answer within the producer's timeouts
            return console.usage(kafkaOptions
                    .refusal(e)
                    .orElse("Kafka at " + bootstrap + " did not take the samples: "
                            + kafkaOptions.redacted(e.getMessage())));
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("topic", topic);
        result.put("samples", samples);
        result.put("format", format.name());
        result.put("featureDim", featureDim);
        result.put("seconds", Math.round(seconds * 100) / 100.0);
        result.put("samplesPerSecond", Math.round(samples / Math.max(seconds, 1e-9)));
        console.json(result);
        return Console.OK;
    }
}
