package dev.streamtrain.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.apache.flink.api.common.JobID;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Metric;
import org.apache.flink.runtime.clusterframework.types.ResourceID;
import org.apache.flink.runtime.executiongraph.ExecutionAttemptID;
import org.apache.flink.runtime.metrics.groups.TaskManagerMetricGroup;
import org.apache.flink.runtime.metrics.groups.TaskMetricGroup;
import org.apache.flink.runtime.metrics.util.TestingMetricRegistry;
import org.apache.flink.runtime.operators.testutils.MockEnvironment;
import org.apache.flink.runtime.operators.testutils.MockEnvironmentBuilder;
import org.apache.flink.streaming.api.operators.ProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

class SampleValidatorTest {

    @Test
    void samplesGoOnDeadLettersGoToTheSideOutputAndAreCounted() throws Exception {
        // metrics registered by the operator, keyed by their full identifier
        Map<String, Metric> metrics = new ConcurrentHashMap<>();
        TestingMetricRegistry registry = TestingMetricRegistry.builder()
                .setRegisterConsumer((metric, name, group) -> metrics.put(group.getMetricIdentifier(name), metric))
                .build();
        TaskMetricGroup taskMetrics = TaskManagerMetricGroup.createTaskManagerMetricGroup(
                        registry, "host", ResourceID.generate())
                .addJob(new JobID(), "job")
                .addTask(ExecutionAttemptID.randomId(), "task");

        Sample good = new Sample(new float[] {1, 2}, new float[] {0}, 10L).withSource("samples", 0, 1);
        DeadLetter empty = new DeadLetter(new byte[0], "samples", 0, 2, 20L, DeadLetterReason.EMPTY, "no bytes");
        DeadLetter nan = new DeadLetter(new byte[] {1}, "samples", 0, 3, 30L, DeadLetterReason.NON_FINITE, "NaN");

        try (MockEnvironment env =
                        new MockEnvironmentBuilder().setMetricGroup(taskMetrics).build();
                OneInputStreamOperatorTestHarness<DecodedRecord, Sample> harness =
                        new OneInputStreamOperatorTestHarness<>(new ProcessOperator<>(new SampleValidator()), env)) {
            harness.open();
            harness.processElement(DecodedRecord.of(good), 10L);
            harness.processElement(DecodedRecord.of(empty), 20L);
            harness.processElement(DecodedRecord.of(nan), 30L);
            harness.processElement(DecodedRecord.of(empty), 40L);

            assertEquals(List.of(good), harness.extractOutputValues());
            List<DeadLetter> dead = harness.getSideOutput(SampleValidator.DEAD_LETTERS).stream()
                    .map(StreamRecord::getValue)
                    .collect(Collectors.toList());
            assertEquals(List.of(empty, nan, empty), dead);
            // the dead letters keep the element timestamps of their records
            assertEquals(
                    List.of(20L, 30L, 40L),
                    harness.getSideOutput(SampleValidator.DEAD_LETTERS).stream()
                            .map(StreamRecord::getTimestamp)
                            .collect(Collectors.toList()));

            assertEquals(1, count(metrics, ".validSamples"));
            assertEquals(3, count(metrics, ".deadLettered"));
            assertEquals(2, count(metrics, ".reason.EMPTY.deadLettered"));
            assertEquals(1, count(metrics, ".reason.NON_FINITE.deadLettered"));
            assertEquals(0, count(metrics, ".reason.OVERSIZE.deadLettered"));
        }
    }

    /** The counter whose identifier ends with the suffix and is no deeper (the total is not a reason counter). */
    private static long count(Map<String, Metric> metrics, String suffix) {
        Counter found = null;
        for (Map.Entry<String, Metric> e : metrics.entrySet()) {
            String id = e.getKey();
            boolean reasonCounter = id.contains(".reason.");
            if (id.endsWith(suffix) && reasonCounter == suffix.contains(".reason.")) {
                assertEquals(null, found, "two metrics end with " + suffix + ": " + metrics.keySet());
                found = (Counter) e.getValue();
            }
        }
        assertNotNull(found, () -> "no metric ends with " + suffix + " in " + metrics.keySet());
        return found.getCount();
    }
}
