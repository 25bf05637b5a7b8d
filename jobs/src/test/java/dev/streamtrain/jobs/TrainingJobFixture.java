package dev.streamtrain.jobs;

import dev.streamtrain.jobs.config.JobConfig;
import dev.streamtrain.localstack.LocalStack;
import dev.streamtrain.sample.SampleFormat;
import dev.streamtrain.sample.synthetic.TeacherStream;
import dev.streamtrain.store.FlinkS3;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.apache.flink.configuration.Configuration;

/** One test's topics, names and configuration on the shared local stack. */
final class TrainingJobFixture {
    final LocalStack stack;
    final String id;
    final String samplesTopic;
    final String dlqTopic;
    final String eventsTopic;
    final Map<String, String> settings = new HashMap<>();

    TrainingJobFixture(LocalStack stack, String name) throws Exception {
        this(stack, name, stack.bootstrapServers());
    }

    /** With the topics on another broker (reached through {@code bootstrap} for set-up, e.g. a secured broker's plain listener). */
    TrainingJobFixture(LocalStack stack, String name, String bootstrap) throws Exception {
        this.stack = stack;
        this.id = name + "-" + UUID.randomUUID().toString().substring(0, 8);
        this.samplesTopic = id + "-samples";
        this.dlqTopic = id + "-dlq";
        this.eventsTopic = id + "-events";
        StackKafka.createTopics(bootstrap, samplesTopic, dlqTopic, eventsTopic);
        settings.put("kafka.bootstrap-servers", bootstrap);
        settings.put("kafka.samples-topic", samplesTopic);
        settings.put("kafka.dlq-topic", dlqTopic);
        settings.put("kafka.events-topic", eventsTopic);
        settings.put("kafka.group-id", id);
        settings.put("sample.format", "BINARY");
        settings.put("sample.feature-dim", "16");
        settings.put("model.hidden", "32;32");
        settings.put("model.batch-size", "64");
        settings.put("model.learning-rate", "0.003");
        settings.put("run.experiment", "tests");
        settings.put("run.name", id);
        settings.put("checkpoint.dir", "s3://" + stack.bucket() + "/" + id + "/checkpoints");
        settings.put("checkpoint.interval", "300 ms");
        settings.put("report.every-samples", "6400");
        FlinkS3.apply(new Configuration(), stack.s3()).toMap().forEach(settings::put);
    }

    TeacherStream.Builder teacher() {
        return TeacherStream.builder()
                .format(SampleFormat.BINARY)
                .featureDim(16)
                .regression(1)
                .seed(11);
    }

    TrainingJobFixture set(String key, String value) {
        settings.put(key, value);
        return this;
    }

    JobConfig config() {
        JobConfig config = JobConfig.fromMap(settings);
        FlinkS3.initializeInThisJvm(config.flinkConfiguration());
        return config;
    }
}
