package dev.streamtrain.jobs.cli;

import dev.streamtrain.localstack.LocalStack;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Starts the local Kafka + S3 stack, prints where it is and how long it took to start. */
@Command(
        name = "stack",
        mixinStandardHelpOptions = true,
        description = {
            "Start the local stack (Kafka broker + S3 server) and print its endpoints and start-up times "
                    + "as one JSON line.",
            "Without --hold it stops again at once (a start-up time measurement)."
        })
final class StackCommand implements Callable<Integer> {
    @Option(names = "--hold", description = "keep it running until Ctrl-C")
    boolean hold;

    @Option(
            names = "--bucket",
            defaultValue = "streamtrain",
            description = "bucket to create (default: ${DEFAULT-VALUE})")
    String bucket;

    @Option(
            names = "--work-dir",
            defaultValue = "target/local-stack",
            description = "data folder (default: ${DEFAULT-VALUE})")
    Path workDir;

    @Mixin
    Console console;

    @Override
    public Integer call() throws Exception {
        long t0 = System.nanoTime();
        try (LocalStack stack = LocalStack.start(workDir, bucket)) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("kafkaBootstrapServers", stack.bootstrapServers());
            out.put("kafka", stack.kafka().description());
            out.put("kafkaStartMillis", stack.kafkaStartMillis());
            out.put("s3Endpoint", stack.s3().endpoint().toString());
            out.put("s3", stack.objectStore().description());
            out.put("s3StartMillis", stack.s3StartMillis());
            out.put("bucket", stack.bucket());
            out.put("stackStartMillis", (System.nanoTime() - t0) / 1_000_000);
            console.json(out);
            if (hold) {
                console.say("local stack running; Ctrl-C stops it");
                CountDownLatch forever = new CountDownLatch(1);
                Runtime.getRuntime().addShutdownHook(new Thread(forever::countDown));
                forever.await();
            }
        }
        return Console.OK;
    }
}
