package dev.streamtrain.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamtrain.localstack.LocalStack;
import dev.streamtrain.localstack.ObjectStoreService;
import dev.streamtrain.localstack.S3Credentials;
import dev.streamtrain.localstack.S3ProxyServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code fetch} against a server that checks signatures (s3proxy; the shared stack's s3mock accepts
 * any credentials): refused credentials are exit 2 with a message that says so — and never the secret.
 */
class FetchCommandTest {
    private static final String BUCKET = "fetch-credentials";
    /** Distinctive, so that any leak is found by a plain substring search. */
    private static final String WRONG_SECRET = "WRONG-fetch-secret-4b1d-do-not-print";

    @TempDir
    static Path dir;

    private static ObjectStoreService s3proxy;

    @BeforeAll
    static void startS3Proxy() throws Exception {
        s3proxy = S3ProxyServer.start(dir, S3Credentials.local());
        LocalStack.createBucket(s3proxy, BUCKET, false);
    }

    @AfterAll
    static void stop() throws Exception {
        s3proxy.close();
    }

    @Test
    void refusedCredentialsAreExit2WithAClearMessageAndNoSecret() throws Exception {
        String manifest = "s3://" + BUCKET + "/exp/run/model/epoch-000001/manifest.json";
        for (List<String> credentials : List.of(
                List.of("--access-key", s3proxy.endpoint().accessKey(), "--secret-key", WRONG_SECRET),
                List.of("--access-key", "no-such-key", "--secret-key", WRONG_SECRET))) {
            Path out = dir.resolve("out-" + credentials.get(1));
            Result r = fetch(credentials, "--manifest", manifest, "--out", out.toString());

            assertEquals(2, r.exit, "refused credentials are an S3 access problem, not 'not found': " + r.err);
            assertTrue(r.err.startsWith("streamtrain fetch: "), r.err);
            assertTrue(r.err.contains("refused") && r.err.contains("credentials"), "says what is wrong: " + r.err);
            assertTrue(r.err.contains(s3proxy.endpoint().endpoint().toString()), "names the endpoint: " + r.err);
            assertFalse(r.err.contains(WRONG_SECRET) || r.out.contains(WRONG_SECRET), "no secret in: " + r.err);
            assertFalse(r.err.contains(s3proxy.endpoint().secretKey()), "no secret in: " + r.err);
            assertEquals("", r.out, "no result line");
            assertFalse(Files.exists(out), "nothing written");
        }
    }

    private record Result(int exit, String out, String err) {}

    private static Result fetch(List<String> credentials, String... args) {
        FetchCommand cmd = new FetchCommand();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        cmd.console = new Console(
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        List<String> all = new ArrayList<>(
                List.of("--s3-endpoint", s3proxy.endpoint().endpoint().toString()));
        all.addAll(credentials);
        all.addAll(List.of(args));
        int exit = new CommandLine(cmd).execute(all.toArray(String[]::new));
        return new Result(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
