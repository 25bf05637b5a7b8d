package dev.streamtrain.store;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * An HTTP server that answers every S3 request the way AWS answers a client configured for the
 * wrong region. Neither local S3 server can: s3mock ignores signatures, and s3proxy verifies a
 * V4 signature with whatever region the client put in it. The responses follow AWS's
 * documented error format; the SDK parsing them is the real one.
 */
final class AwsLikeStubServer implements AutoCloseable {

    /** One canned answer: status, headers, body (empty for HEAD). */
    record Answer(int status, Map<String, String> headers, String body) {}

    private final HttpServer server;

    private AwsLikeStubServer(HttpServer server) {
        this.server = server;
    }

    /** Answers HEAD with {@code head} and every other request with {@code other}. */
    static AwsLikeStubServer start(Answer head, Answer other) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            Answer a = exchange.getRequestMethod().equals("HEAD") ? head : other;
            a.headers().forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
            exchange.getResponseHeaders().add("x-amz-request-id", "STUB0000000000000000");
            byte[] body = a.body().getBytes(StandardCharsets.UTF_8);
            if (exchange.getRequestMethod().equals("HEAD") || body.length == 0) {
                exchange.sendResponseHeaders(a.status(), -1);
            } else {
                exchange.getResponseHeaders().add("Content-Type", "application/xml");
                exchange.sendResponseHeaders(a.status(), body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
            exchange.close();
        });
        server.start();
        return new AwsLikeStubServer(server);
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    @Override
    public void close() {
        server.stop(0);
    }

    /** AWS: a global/other-region endpoint asked for a bucket elsewhere (301, with the region header). */
    static Answer permanentRedirect(String bucket, String region) {
        return new Answer(
                301,
                Map.of("x-amz-bucket-region", region),
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>PermanentRedirect</Code>"
                        + "<Message>The bucket you are attempting to access must be addressed using the specified"
                        + " endpoint. Please send all future requests to this endpoint.</Message>"
                        + "<Endpoint>" + bucket + ".s3." + region + ".amazonaws.com</Endpoint><Bucket>" + bucket
                        + "</Bucket><RequestId>STUB</RequestId><HostId>STUB</HostId></Error>");
    }

    /** AWS: a request signed for the wrong region (400, the expected region in the body). */
    static Answer authorizationHeaderMalformed(String configured, String expected) {
        return new Answer(
                400,
                Map.of(),
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AuthorizationHeaderMalformed</Code>"
                        + "<Message>The authorization header is malformed; the region '" + configured
                        + "' is wrong; expecting '" + expected + "'</Message><Region>" + expected
                        + "</Region><RequestId>STUB</RequestId><HostId>STUB</HostId></Error>");
    }

    /** An empty ListObjectsV2 result. */
    static Answer emptyListing(String bucket) {
        return new Answer(
                200,
                Map.of(),
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
                        + "<Name>" + bucket + "</Name><Prefix></Prefix><KeyCount>0</KeyCount><MaxKeys>1</MaxKeys>"
                        + "<IsTruncated>false</IsTruncated></ListBucketResult>");
    }

    static Answer headWithRegion(int status, String region) {
        return new Answer(status, Map.of("x-amz-bucket-region", region), "");
    }
}
