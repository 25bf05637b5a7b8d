package dev.streamtrain.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamtrain.localstack.LocalStack;
import dev.streamtrain.localstack.LocalStackExtension;
import dev.streamtrain.trainer.TrainerState;
import java.util.List;
import java.util.UUID;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ObjectVersion;

/** Versioned-bucket mode: each epoch's weights become one version of the stable key. */
@ExtendWith(LocalStackExtension.class)
class ArtifactWriterVersionedKeyTest {

    @Test
    void twoEpochsGiveTwoVersionsEachReadableByItsVersionId(LocalStack stack) throws Exception {
        FlinkS3.initializeInThisJvm(FlinkS3.apply(new Configuration(), stack.s3()));
        ArtifactLayout layout = new ArtifactLayout(
                stack.bucket(),
                "versioned-test",
                "run-" + UUID.randomUUID().toString().substring(0, 8),
                "mlp");
        List<TrainerState> states = TrainedStates.epochs(2, 2);
        try (S3Client s3 = S3Clients.create(stack.s3())) {
            ArtifactWriter writer = new ArtifactWriter(layout, s3);
            ArtifactResult first = writer.write(TrainedStates.artifact(states.get(0), 1));
            ArtifactResult second = writer.write(TrainedStates.artifact(states.get(1), 2));

            assertNotEquals(first.versionId(), second.versionId());
            assertNotEquals(first.modelSha256(), second.modelSha256(), "the epochs trained different weights");
            assertEquals(layout.uri(layout.stableModelKey()), first.stableModelUri());
            assertEquals(
                    first.versionId(), first.manifest().stableModel().versionId(), "the manifest records the version");

            List<String> versions = s3
                    .listObjectVersionsPaginator(b -> b.bucket(layout.bucket()).prefix(layout.stableModelKey()))
                    .versions()
                    .stream()
                    .filter(v -> v.key().equals(layout.stableModelKey()))
                    .map(ObjectVersion::versionId)
                    .toList();
            assertEquals(2, versions.size(), "versions of the stable key: " + versions);
            assertTrue(versions.containsAll(List.of(first.versionId(), second.versionId())), versions.toString());

            for (ArtifactResult epoch : List.of(first, second)) {
                byte[] byVersion = s3.getObjectAsBytes(b -> b.bucket(layout.bucket())
                                .key(layout.stableModelKey())
                                .versionId(epoch.versionId()))
                        .asByteArray();
                assertEquals(epoch.modelSha256(), HashingOutputStream.sha256Hex(byVersion), "epoch " + epoch.epoch());
                byte[] inEpochFolder = s3.getObjectAsBytes(
                                b -> b.bucket(layout.bucket()).key(layout.modelKey(epoch.epoch())))
                        .asByteArray();
                assertArrayEquals(inEpochFolder, byVersion);
            }
        }
    }
}
