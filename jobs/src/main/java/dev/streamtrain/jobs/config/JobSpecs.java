package dev.streamtrain.jobs.config;

import static dev.streamtrain.jobs.config.TrainingJobOptions.ACTIVATION;
import static dev.streamtrain.jobs.config.TrainingJobOptions.BATCH_SIZE;
import static dev.streamtrain.jobs.config.TrainingJobOptions.DEVICE;
import static dev.streamtrain.jobs.config.TrainingJobOptions.FEATURE_DIM;
import static dev.streamtrain.jobs.config.TrainingJobOptions.HIDDEN;
import static dev.streamtrain.jobs.config.TrainingJobOptions.LABEL_DIM;
import static dev.streamtrain.jobs.config.TrainingJobOptions.LABEL_KIND;
import static dev.streamtrain.jobs.config.TrainingJobOptions.LEARNING_RATE;
import static dev.streamtrain.jobs.config.TrainingJobOptions.LOSS;
import static dev.streamtrain.jobs.config.TrainingJobOptions.MAX_RECORD_BYTES;
import static dev.streamtrain.jobs.config.TrainingJobOptions.MODEL_KIND;
import static dev.streamtrain.jobs.config.TrainingJobOptions.NUM_CLASSES;
import static dev.streamtrain.jobs.config.TrainingJobOptions.OPTIMIZER;
import static dev.streamtrain.jobs.config.TrainingJobOptions.SAMPLE_FORMAT;
import static dev.streamtrain.jobs.config.TrainingJobOptions.SEED;

import dev.streamtrain.sample.LabelKind;
import dev.streamtrain.sample.SampleSchema;
import dev.streamtrain.trainer.ModelSpec;
import org.apache.flink.configuration.Configuration;

/**
 * Builds the sample schema and the model spec from checked keys; their builders refuse what does
 * not fit together (e.g. a loss for another label kind) with an {@link IllegalArgumentException}.
 */
final class JobSpecs {
    private JobSpecs() {}

    static SampleSchema sampleSchema(Configuration conf) {
        SampleSchema.Builder b = SampleSchema.builder()
                .format(conf.get(SAMPLE_FORMAT))
                .featureDim(conf.get(FEATURE_DIM))
                .maxRecordBytes(conf.get(MAX_RECORD_BYTES));
        LabelKind kind = conf.get(LABEL_KIND);
        if (kind == LabelKind.CLASS) {
            b.classes(conf.get(NUM_CLASSES));
        } else {
            b.labelKind(kind).labelDim(conf.get(LABEL_DIM));
        }
        return b.build();
    }

    static ModelSpec modelSpec(Configuration conf, SampleSchema schema) {
        ModelSpec.Loss loss = conf.getOptional(LOSS)
                .orElse(
                        switch (schema.labelKind()) {
                            case REGRESSION -> ModelSpec.Loss.MSE;
                            case BINARY -> ModelSpec.Loss.BCE_WITH_LOGITS;
                            case CLASS -> ModelSpec.Loss.SOFTMAX_CROSS_ENTROPY;
                        });
        ModelSpec.Builder b = ModelSpec.builder()
                .kind(conf.get(MODEL_KIND))
                .inputDim(schema.featureDim())
                .outputDim(schema.labelKind() == LabelKind.CLASS ? schema.numClasses() : schema.labelDim())
                .activation(conf.get(ACTIVATION))
                .loss(loss)
                .optimizer(conf.get(OPTIMIZER))
                .learningRate(conf.get(LEARNING_RATE))
                .batchSize(conf.get(BATCH_SIZE))
                .seed(conf.get(SEED))
                .device(conf.get(DEVICE));
        if (conf.get(MODEL_KIND) == ModelSpec.Kind.MLP) {
            b.hiddenSizes(conf.get(HIDDEN));
        }
        return b.build();
    }
}
