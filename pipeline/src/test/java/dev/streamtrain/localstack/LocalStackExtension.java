package dev.streamtrain.localstack;

import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Hands tests a running {@link LocalStack} (bootstrap servers, S3 endpoint, credentials, bucket).
 *
 * <p>One stack per test JVM, started on first use and stopped by JUnit when the run ends — also
 * when tests fail — because it lives in the root context's store as a closeable resource. Tests
 * isolate themselves with their own topics and key prefixes. The child JVMs' watchdog covers the
 * case where the test JVM itself is killed.
 */
public final class LocalStackExtension implements BeforeAllCallback, ParameterResolver {
    public static final String BUCKET = "streamtrain-test";

    @Override
    public void beforeAll(ExtensionContext context) {
        stack(context);
    }

    @Override
    public boolean supportsParameter(ParameterContext p, ExtensionContext e) {
        return p.getParameter().getType() == LocalStack.class;
    }

    @Override
    public Object resolveParameter(ParameterContext p, ExtensionContext e) {
        return stack(e);
    }

    private static LocalStack stack(ExtensionContext context) {
        return context.getRoot()
                .getStore(ExtensionContext.Namespace.GLOBAL)
                .getOrComputeIfAbsent(Resource.class, k -> new Resource(), Resource.class)
                .stack;
    }

    private static final class Resource implements ExtensionContext.Store.CloseableResource {
        final LocalStack stack;

        Resource() {
            Path work = Paths.get("target", "stack-work");
            try {
                stack = LocalStack.start(work, BUCKET);
            } catch (Exception e) {
                throw new IllegalStateException("could not start the local Kafka + S3 stack", e);
            }
        }

        @Override
        public void close() {
            stack.close();
        }
    }
}
