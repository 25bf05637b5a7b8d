package dev.streamtrain.jobs;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamtrain.localstack.LocalStack;
import dev.streamtrain.localstack.LocalStackExtension;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Kafka problems found before submission, each with its own message (the object store's are in pipeline). */
@ExtendWith(LocalStackExtension.class)
class PreflightTest {

    @Test
    void anUnreachableBrokerAndAMissingTopicAreTwoDifferentMessages(LocalStack stack) throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        TrainingJobFixture f = new TrainingJobFixture(stack, "preflight");
        f.set("kafka.bootstrap-servers", "127.0.0.1:" + closedPort);
        Preflight.PreflightException unreachable = assertThrows(Preflight.PreflightException.class,
                () -> Preflight.checkKafka(f.config()));
        assertTrue(unreachable.getMessage().contains("is unreachable") && unreachable.getMessage().contains("kafka.bootstrap-servers"),
                unreachable.getMessage());

        f.set("kafka.bootstrap-servers", stack.bootstrapServers()).set("kafka.samples-topic", f.id + "-nope");
        Preflight.PreflightException missing = assertThrows(Preflight.PreflightException.class,
                () -> Preflight.checkKafka(f.config()));
        assertTrue(missing.getMessage().contains("does not exist") && missing.getMessage().contains(f.id + "-nope"),
                missing.getMessage());

        f.set("kafka.samples-topic", f.samplesTopic);
        Preflight.check(f.config()); // Kafka and the S3 bucket are fine: no exception
    }
}
