package dev.streamtrain.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.streamtrain.localstack.LocalStack;
import dev.streamtrain.localstack.LocalStackExtension;
import dev.streamtrain.trainer.TrainerState;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/** Retention's deleter on the local stack's S3 server, checked by listing the bucket with the AWS SDK. */
@ExtendWith(LocalStackExtension.class)
class ArtifactDeleterTest {
    private static LocalStack stack;
    private static S3Client s3;
    private static List<TrainerState> states;

    @BeforeAll
    static void setUp(LocalStack localStack) {
        stack = localStack;
        FlinkS3.initializeInThisJvm(FlinkS3.apply(new Configuration(), stack.s3()));
        s3 = S3Clients.create(stack.s3());
        states = TrainedStates.epochs(2, 1);
    }

    @AfterAll
    static void tearDown() {
        s3.close();
    }

    @Test
    void deletesOnlyTheGivenEpochsFolderAndLeavesLatestAndTheOtherEpochs() throws Exception {
        ArtifactLayout layout = freshLayout();
        ArtifactWriter writer = new ArtifactWriter(layout);
        writer.write(TrainedStates.artifact(states.get(0), 1));
        writer.write(TrainedStates.artifact(states.get(1), 2));

        new ArtifactDeleter(layout).delete(1);

        assertEquals(
                Set.of(layout.modelKey(2), layout.optimizerKey(2), layout.manifestKey(2), layout.latestKey()),
                present(layout, 1, 2),
                "epoch 1 gone, epoch 2 and the pointer untouched");
        assertEquals(
                2,
                new ArtifactReader(s3, layout.bucket()).readLatest(layout.key()).epoch());
    }

    @Test
    void finishesADeletionThatStoppedAfterTheManifestAndIsIdempotent() throws Exception {
        ArtifactLayout layout = freshLayout();
        new ArtifactWriter(layout).write(TrainedStates.artifact(states.get(0), 3));
        // a deleter that crashed right after its first step (the manifest) left the data files behind
        s3.deleteObject(b -> b.bucket(layout.bucket()).key(layout.manifestKey(3)));

        ArtifactDeleter deleter = new ArtifactDeleter(layout);
        deleter.delete(3);
        assertEquals(Set.of(layout.latestKey()), present(layout, 3, 4), "the rest of the folder is removed");

        deleter.delete(3); // a replay after a restore deletes again: nothing there is not an error
        deleter.delete(4); // never written
        assertEquals(Set.of(layout.latestKey()), present(layout, 3, 4));
    }

    private static ArtifactLayout freshLayout() {
        return new ArtifactLayout(
                stack.bucket(),
                "deleter-test",
                "run-" + UUID.randomUUID().toString().substring(0, 8),
                "mlp");
    }

    /**
     * Which of the epochs' keys and {@code latest} a GET finds. Not a listing: in a versioned bucket
     * s3mock still lists keys whose newest version is a delete marker.
     */
    private static Set<String> present(ArtifactLayout layout, long... epochs) {
        Set<String> keys = new TreeSet<>(Set.of(layout.latestKey()));
        for (long epoch : epochs) {
            keys.addAll(List.of(layout.modelKey(epoch), layout.optimizerKey(epoch), layout.manifestKey(epoch)));
        }
        keys.removeIf(key -> {
            try {
                s3.headObject(b -> b.bucket(layout.bucket()).key(key));
                return false;
            } catch (NoSuchKeyException e) {
                return true;
            } catch (S3Exception e) {
                if (e.statusCode() == 404) {
                    return true;
                }
                throw e;
            }
        });
        return keys;
    }
}
