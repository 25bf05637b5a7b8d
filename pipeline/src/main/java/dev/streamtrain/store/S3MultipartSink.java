package dev.streamtrain.store;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.URI;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.async.AsyncRequestBody;
import software.amazon.awssdk.core.async.BlockingOutputStreamAsyncRequestBody;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.http.nio.netty.SdkEventLoopGroup;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Artifacts straight to S3 with the AWS SDK v2's multipart upload: the bytes stream into parts of
 * {@link #PART_BYTES} that are uploaded in parallel while the next ones are produced, so a large
 * file goes at the speed of several connections instead of presto's one buffered PUT. Only the
 * artifacts take this path; Flink's checkpoints still go through flink-s3-fs-presto.
 *
 * <p>An object becomes visible when its stream is closed (the multipart upload is completed then),
 * which keeps {@link ArtifactWriter}'s manifest-last commit. The client is opened on first use and
 * closed by {@link #close()}; the sink itself is serializable (it travels with the operator) and
 * carries only the endpoint and credentials.
 *
 * <p>The client's Netty event loops are the sink's own: a client that owns them shuts them down
 * with Netty's 2-second quiet period, which every task end (finish, failover, cancel) would wait out.
 */
public final class S3MultipartSink implements ObjectSink, AutoCloseable {
    private static final long serialVersionUID = 1L;
    /** S3's minimum part size is 5 MiB; 8 MiB is the SDK's default and a ResNet-18 is six parts. */
    static final long PART_BYTES = 8L * 1024 * 1024;
    /** Parallel connections: enough to fill a link to S3, and a bound on buffered parts. */
    static final int MAX_CONNECTIONS = 8;

    private final S3Endpoint s3;
    private transient S3AsyncClient client;
    private transient SdkEventLoopGroup eventLoops;

    public S3MultipartSink(S3Endpoint s3) {
        this.s3 = Objects.requireNonNull(s3, "s3");
    }

    private synchronized S3AsyncClient client() {
        if (client == null) {
            eventLoops = SdkEventLoopGroup.builder().build();
            client = S3AsyncClient.builder()
                    .endpointOverride(s3.endpoint())
                    .region(Region.of(s3.region()))
                    .credentialsProvider(StaticCredentialsProvider.create(
                            AwsBasicCredentials.create(s3.accessKey(), s3.secretKey())))
                    .forcePathStyle(true)
                    // as S3Clients: servers such as s3proxy reject the newer default CRC checksums
                    .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                    .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                    .httpClientBuilder(NettyNioAsyncHttpClient.builder()
                            .maxConcurrency(MAX_CONNECTIONS)
                            .tlsTrustManagersProvider(S3Clients.trustManagers(s3))
                            .eventLoopGroup(eventLoops))
                    .multipartEnabled(true)
                    .multipartConfiguration(m -> m.minimumPartSizeInBytes(PART_BYTES)
                            .thresholdInBytes(PART_BYTES)
                            .apiCallBufferSizeInBytes(PART_BYTES * MAX_CONNECTIONS))
                    .build();
        }
        return client;
    }

    @Override
    public OutputStream create(URI uri) throws IOException {
        Location at = Location.of(uri);
        BlockingOutputStreamAsyncRequestBody body = AsyncRequestBody.forBlockingOutputStream(null);
        CompletableFuture<PutObjectResponse> upload =
                client().putObject(b -> b.bucket(at.bucket).key(at.key), body);
        OutputStream parts = body.outputStream();
        return new OutputStream() {
            private boolean closed;

            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                if (upload.isCompletedExceptionally()) {
                    await(upload, uri); // throws the upload's failure instead of blocking on a dead stream
                }
                parts.write(b, off, len);
            }

            @Override
            public void close() throws IOException {
                if (!closed) {
                    closed = true;
                    parts.close(); // the last part; the SDK then completes the multipart upload
                    await(upload, uri);
                }
            }
        };
    }

    @Override
    public boolean exists(URI uri) throws IOException {
        Location at = Location.of(uri);
        try {
            await(client().headObject(b -> b.bucket(at.bucket).key(at.key)), uri);
            return true;
        } catch (IOException e) {
            if (e.getCause() instanceof NoSuchKeyException
                    || e.getCause() instanceof S3Exception s && s.statusCode() == 404) {
                return false;
            }
            throw e;
        }
    }

    @Override
    public void delete(URI uri) throws IOException {
        Location at = Location.of(uri);
        await(client().deleteObject(b -> b.bucket(at.bucket).key(at.key)), uri);
    }

    @Override
    public synchronized void close() {
        if (client != null) {
            client.close();
            client = null;
            // no quiet period: the client is closed, nothing of it runs on these loops any more
            eventLoops
                    .eventLoopGroup()
                    .shutdownGracefully(0, 5, TimeUnit.SECONDS)
                    .awaitUninterruptibly(5_000);
            eventLoops = null;
        }
    }

    @Override
    public String toString() {
        return "S3 multipart uploads to " + s3.endpoint();
    }

    private static <T> T await(CompletableFuture<T> future, URI uri) throws IOException {
        try {
            return future.get();
        } catch (InterruptedException e) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while writing " + uri);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            String message = cause instanceof SdkException ? cause.getMessage() : String.valueOf(cause);
            throw new IOException(uri + ": " + message, cause);
        }
    }

    private record Location(String bucket, String key) {
        static Location of(URI uri) {
            if (!"s3".equals(uri.getScheme())
                    || uri.getHost() == null
                    || uri.getPath().length() < 2) {
                throw new IllegalArgumentException("not an s3://bucket/key URI: " + uri);
            }
            return new Location(uri.getHost(), uri.getPath().substring(1));
        }
    }
}
