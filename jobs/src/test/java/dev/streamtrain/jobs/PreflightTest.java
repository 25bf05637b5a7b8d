package dev.streamtrain.jobs;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamtrain.localstack.LocalStack;
import dev.streamtrain.localstack.LocalStackExtension;
import java.net.ServerSocket;
import java.time.Duration;
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
        // nothing listens there, so no timeout is long enough: 1 s instead of the default's 10 s wait
        Preflight.PreflightException unreachable = assertThrows(
                Preflight.PreflightException.class, () -> Preflight.checkKafka(f.config(), Duration.ofSeconds(1)));
        assertTrue(
                unreachable.getMessage().contains("is unreachable")
                        && unreachable.getMessage().contains("kafka.bootstrap-servers"),
                unreachable.getMessage());

        f.set("kafka.bootstrap-servers", stack.bootstrapServers()).set("kafka.samples-topic", f.id + "-nope");
        Preflight.PreflightException missing =
                assertThrows(Preflight.PreflightException.class, () -> Preflight.checkKafka(f.config()));
        assertTrue(
                missing.getMessage().contains("does not exist")
                        && missing.getMessage().contains(f.id + "-nope"),
                missing.getMessage());

        f.set("kafka.samples-topic", f.samplesTopic);
        Preflight.check(f.config()); // Kafka and the S3 bucket are fine: no exception
    }

    @Test
    void aMissingDeadLetterTopicAndAMissingEventsTopicEachNameTheirTopicAndKey(LocalStack stack) throws Exception {
        TrainingJobFixture f = new TrainingJobFixture(stack, "preflight-sinks");
        f.set("kafka.dlq-topic", f.id + "-no-dlq");
        Preflight.PreflightException dlq =
                assertThrows(Preflight.PreflightException.class, () -> Preflight.checkKafka(f.config()));
        assertTrue(
                dlq.getMessage().contains("'" + f.id + "-no-dlq'")
                        && dlq.getMessage().contains("kafka.dlq-topic")
                        && dlq.getMessage().contains("does not exist"),
                dlq.getMessage());

        f.set("kafka.dlq-topic", f.dlqTopic).set("kafka.events-topic", f.id + "-no-events");
        Preflight.PreflightException events =
                assertThrows(Preflight.PreflightException.class, () -> Preflight.checkKafka(f.config()));
        assertTrue(
                events.getMessage().contains("'" + f.id + "-no-events'")
                        && events.getMessage().contains("kafka.events-topic")
                        && events.getMessage().contains("does not exist"),
                events.getMessage());
        assertFalse(
                events.getMessage().contains("kafka.dlq-topic"),
                "names only the setting to fix: " + events.getMessage());
        assertNotEquals(dlq.getMessage(), events.getMessage());

        f.set("kafka.events-topic", f.eventsTopic);
        Preflight.checkKafka(f.config()); // all three exist
    }
}
