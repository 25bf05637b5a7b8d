package dev.streamtrain.jobs;

import dev.streamtrain.jobs.config.KafkaClientProperties;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Set;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;

/**
 * Says in words why a Kafka client could not talk to the brokers, so that each cause names what to
 * fix: nothing listens, the TLS handshake failed (trust store, wrong protocol), the credentials were
 * refused, or the port answers but not in the configured security protocol. Secrets are redacted.
 */
final class KafkaProblem {
    private KafkaProblem() {}

    /**
     * @param failure          what the client threw (a timeout, or an execution exception around the cause)
     * @param securityProtocol the client's {@code security.protocol}
     * @param secrets          strings never to show
     */
    static String describe(Throwable failure, String bootstrap, String securityProtocol, Set<String> secrets) {
        String root = KafkaClientProperties.redact(rootMessage(failure), secrets);
        // SslAuthenticationException is an AuthenticationException: the handshake is checked first
        if (causedBy(failure, SslAuthenticationException.class)) {
            return "TLS handshake failed with Kafka at " + bootstrap + " (" + root
                    + "): check that the listener speaks TLS, "
                    + "that kafka.properties.ssl.truststore.* holds the CA of the brokers' certificates and that the "
                    + "certificates name the host";
        }
        if (causedBy(failure, AuthenticationException.class)) {
            return "authentication failed at Kafka " + bootstrap + " (" + root + "): check the user and password in "
                    + "kafka.properties.sasl.jaas.config and kafka.properties.sasl.mechanism";
        }
        if (anyPortOpen(bootstrap)) {
            return "Kafka at " + bootstrap + " accepts connections but did not answer with security.protocol "
                    + securityProtocol + " (" + root + "): check that kafka.properties.security.protocol matches the "
                    + "listener (PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL) — a TLS listener closes plaintext connections";
        }
        return "Kafka at " + bootstrap + " is unreachable (" + root
                + "): check kafka.bootstrap-servers and that the brokers are up and reachable from here";
    }

    private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    /** Whether a TCP connection to any bootstrap address succeeds: tells "nothing listens" from "wrong protocol". */
    private static boolean anyPortOpen(String bootstrap) {
        for (String address : bootstrap.split(",")) {
            int colon = address.lastIndexOf(':');
            if (colon <= 0) {
                continue;
            }
            try (Socket s = new Socket()) {
                s.connect(
                        new InetSocketAddress(
                                address.substring(0, colon).trim(),
                                Integer.parseInt(address.substring(colon + 1).trim())),
                        2000);
                return true;
            } catch (IOException | IllegalArgumentException e) {
                // this one does not listen; try the next
            }
        }
        return false;
    }

    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }
}
