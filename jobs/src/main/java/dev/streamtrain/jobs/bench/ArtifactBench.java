package dev.streamtrain.jobs.bench;

import dev.streamtrain.localstack.LocalStack;
import dev.streamtrain.sample.Sample;
import dev.streamtrain.sample.SampleFormat;
import dev.streamtrain.sample.synthetic.TeacherStream;
import dev.streamtrain.store.ArtifactLayout;
import dev.streamtrain.store.ArtifactResult;
import dev.streamtrain.store.ArtifactSettings;
import dev.streamtrain.store.ArtifactWriter;
import dev.streamtrain.store.EpochArtifact;
import dev.streamtrain.store.FlinkS3;
import dev.streamtrain.store.Manifest;
import dev.streamtrain.store.RunKey;
import dev.streamtrain.store.S3Clients;
import dev.streamtrain.store.S3MultipartSink;
import dev.streamtrain.trainer.DjlTrainer;
import dev.streamtrain.trainer.ModelSpec;
import dev.streamtrain.trainer.TrainerState;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.apache.flink.configuration.Configuration;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The artifact path at the size of torchvision's ResNet-18 (11,689,512 float32 parameters, 46.8 MB):
 * (1) ArtifactWriter's MB/s against a raw S3 PUT of the same bytes to the same server, and
 * (2) training samples/s while an upload runs in the background against without one — what the
 * trainer operator does at every window close.
 */
public final class ArtifactBench {
    public static final long RESNET18_PARAMETERS = 11_689_512L;

    private ArtifactBench() {}

    public static Map<String, Object> run(LocalStack stack, Consumer<String> progress) throws Exception {
        FlinkS3.initializeInThisJvm(FlinkS3.apply(new Configuration(), stack.s3()));
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("model", "artifacts");
        String run = "bench-artifacts-" + UUID.randomUUID().toString().substring(0, 8);

        // (1) exactly ResNet-18's parameter count: a linear layer 1,461,188 -> 8 (SGD: no moments, so
        // the artifact is the weights plus a tiny optimizer file)
        ModelSpec spec = ModelSpec.builder()
                .kind(ModelSpec.Kind.LINEAR)
                .inputDim(1_461_188)
                .outputDim(8)
                .optimizer(ModelSpec.Optimizer.SGD)
                .batchSize(1)
                .build();
        float[] weights = new float[1_461_188 * 8];
        Random random = new Random(1);
        for (int i = 0; i < weights.length; i++) {
            weights[i] = (float) random.nextGaussian();
        }
        TrainerState state = new TrainerState(
                ModelSpec.Optimizer.SGD,
                1,
                List.of(
                        TrainerState.ParameterState.of("0.weight", new long[] {8, 1_461_188}, weights),
                        TrainerState.ParameterState.of("0.bias", new long[] {8}, new float[8])));
        // the job's path: parallel multipart uploads with the AWS SDK (OnlineTrainingJob.artifactSink)
        S3MultipartSink sink = new S3MultipartSink(stack.s3());
        ArtifactWriter writer = new ArtifactSettings(
                        stack.bucket(), new RunKey("bench", run, "resnet18-size"), false, stack.s3())
                .writer(null, sink);
        progress.accept("artifact write of a ResNet-18-sized state (11,689,512 parameters)…");
        int rounds = 3;
        double artifactMBps = writeMBps(writer, spec, state, rounds);
        // the path before parallel uploads, for comparison: Flink's s3:// filesystem (presto), one buffered PUT
        double flinkFsMBps = writeMBps(
                new ArtifactWriter(new ArtifactLayout(stack.bucket(), "bench", run, "resnet18-size-flinkfs")),
                spec,
                state,
                rounds);
        byte[] raw = new byte[(int) (RESNET18_PARAMETERS * 4)];
        random.nextBytes(raw);
        long rawNanos = 0;
        try (S3Client s3 = S3Clients.create(stack.s3())) {
            s3.putObject(b -> b.bucket(stack.bucket()).key("bench/" + run + "/raw-warmup"), RequestBody.fromBytes(raw));
            for (int i = 0; i < rounds; i++) {
                int n = i;
                long t0 = System.nanoTime();
                s3.putObject(
                        b -> b.bucket(stack.bucket()).key("bench/" + run + "/raw-" + n), RequestBody.fromBytes(raw));
                rawNanos += System.nanoTime() - t0;
            }
        }
        double rawMBps = (double) rounds * raw.length / 1e6 / (rawNanos / 1e9);
        row.put("stateMB", raw.length / 1e6);
        row.put("artifactWriteMBps", round(artifactMBps));
        row.put("rawPutMBps", round(rawMBps));
        row.put("artifactVsRawPut", round(artifactMBps / rawMBps));
        row.put("flinkFileSystemWriteMBps", round(flinkFsMBps));
        row.put("flinkFileSystemVsRawPut", round(flinkFsMBps / rawMBps));

        // (2) training while a 47 MB upload runs: an MLP of about the same size (64-3400-3400-1,
        // 11.8M parameters, SGD so that the snapshot is 47 MB like above)
        ModelSpec mlp = ModelSpec.builder()
                .kind(ModelSpec.Kind.MLP)
                .inputDim(64)
                .hiddenSizes(3400, 3400)
                .outputDim(1)
                .optimizer(ModelSpec.Optimizer.SGD)
                .learningRate(1e-3f)
                .batchSize(256)
                .build();
        TeacherStream data = TeacherStream.builder()
                .format(SampleFormat.BINARY)
                .featureDim(64)
                .regression(1)
                .seed(3)
                .build();
        float[] x = new float[256 * 64];
        float[] y = new float[256];
        for (int i = 0; i < 256; i++) {
            Sample s = data.next();
            System.arraycopy(s.features, 0, x, i * 64, 64);
            y[i] = s.label[0];
        }
        ArtifactWriter mlpWriter = new ArtifactSettings(
                        stack.bucket(), new RunKey("bench", run, "mlp-11.8m"), false, stack.s3())
                .writer(null, sink);
        try (DjlTrainer trainer = DjlTrainer.create(mlp)) {
            for (int i = 0; i < 3; i++) {
                trainer.trainBatch(x, y, 256);
            }
            progress.accept("training a 64-3400-3400-1 MLP with and without a background upload…");
            long t0 = System.nanoTime();
            int quietSteps = 0;
            while (System.nanoTime() - t0 < 5_000_000_000L || quietSteps < 5) {
                trainer.trainBatch(x, y, 256);
                quietSteps++;
            }
            double quietRate = quietSteps * 256 / ((System.nanoTime() - t0) / 1e9);

            long s0 = System.nanoTime();
            TrainerState snapshot = trainer.snapshot(); // synchronous copy, as at a window close
            long snapshotMillis = (System.nanoTime() - s0) / 1_000_000;
            CompletableFuture<ArtifactResult> upload = CompletableFuture.supplyAsync(() -> {
                try {
                    return mlpWriter.write(artifact(mlp, snapshot, 1));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            long t1 = System.nanoTime();
            int busySteps = 0;
            while (!upload.isDone() || busySteps < 3) {
                trainer.trainBatch(x, y, 256);
                busySteps++;
            }
            double busyRate = busySteps * 256 / ((System.nanoTime() - t1) / 1e9);
            ArtifactResult r = upload.join();
            row.put("mlpParameters", 64L * 3400 + 3400 + 3400L * 3400 + 3400 + 3400 + 1);
            row.put("snapshotMillis", snapshotMillis);
            row.put("uploadMillis", r.millis());
            row.put("uploadMB", round(r.bytesWritten() / 1e6));
            row.put("samplesPerSecondWithoutUpload", round(quietRate));
            row.put("samplesPerSecondDuringUpload", round(busyRate));
            row.put("duringVsWithout", round(busyRate / quietRate));
        } finally {
            sink.close();
        }
        return row;
    }

    /** MB/s of {@code rounds} artifact writes after one untimed warm-up (connections, JIT). */
    private static double writeMBps(ArtifactWriter writer, ModelSpec spec, TrainerState state, int rounds)
            throws Exception {
        writer.write(artifact(spec, state, 1));
        long nanos = 0;
        long bytes = 0;
        for (int i = 0; i < rounds; i++) {
            long t0 = System.nanoTime();
            ArtifactResult r = writer.write(artifact(spec, state, 2 + i));
            nanos += System.nanoTime() - t0;
            bytes += r.bytesWritten();
        }
        return bytes / 1e6 / (nanos / 1e9);
    }

    private static EpochArtifact artifact(ModelSpec spec, TrainerState state, long epoch) {
        return new EpochArtifact(spec, state, epoch, 0, Map.of(), null, new Manifest.Metrics(0, 0), null);
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
