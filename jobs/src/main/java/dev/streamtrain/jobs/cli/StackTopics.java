package dev.streamtrain.jobs.cli;

import dev.streamtrain.jobs.config.JobConfig;
import dev.streamtrain.jobs.config.TrainingJobOptions;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;

/** Creates the job's topics on a local broker (one partition: the trainer's input order is the topic's). */
final class StackTopics {
    private StackTopics() {}

    static void create(String bootstrap, JobConfig config) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            admin.createTopics(List.of(
                    new NewTopic(config.get(TrainingJobOptions.SAMPLES_TOPIC), 1, (short) 1),
                    new NewTopic(config.get(TrainingJobOptions.DLQ_TOPIC), 1, (short) 1),
                    new NewTopic(config.get(TrainingJobOptions.EVENTS_TOPIC), 1, (short) 1))).all().get();
        }
    }
}
