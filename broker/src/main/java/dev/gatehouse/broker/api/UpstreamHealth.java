package dev.gatehouse.broker.api;

import dev.gatehouse.broker.config.UpstreamSettings;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Whether an upstream is reachable, as the overview shows it: a TCP connection to its host and
 * port, with no request sent (an MCP request would need a session and the broker's credential,
 * and must not act). Results are kept briefly, so a page refresh storm does not become a
 * connection storm. Thread-safe.
 */
final class UpstreamHealth {

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration KEEP = Duration.ofSeconds(10);

    record Status(String health, String detail, Instant checkedAt) {
    }

    private final Map<String, Status> recent = new ConcurrentHashMap<>();

    Status of(UpstreamSettings upstream) {
        Status known = recent.get(upstream.name());
        if (known != null && known.checkedAt().plus(KEEP).isAfter(Instant.now())) {
            return known;
        }
        Status fresh = probe(upstream);
        recent.put(upstream.name(), fresh);
        return fresh;
    }

    private static Status probe(UpstreamSettings upstream) {
        if (upstream.viaAgent()) {
            return new Status("unknown", "reached through agents on task queue " + upstream.agent().taskQueue()
                    + "; the broker has no route to probe", Instant.now());
        }
        if (upstream.url() == null) {
            return new Status("unknown", "no URL to probe", Instant.now());
        }
        URI uri = upstream.url().uri();
        int port = uri.getPort() != -1 ? uri.getPort() : "https".equals(uri.getScheme()) ? 443 : 80;
        long started = System.nanoTime();
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(uri.getHost(), port), (int) CONNECT_TIMEOUT.toMillis());
            long micros = (System.nanoTime() - started) / 1_000;
            return new Status("up", "accepts connections on " + uri.getHost() + ":" + port + " (" + micros / 1000.0 + " ms)", Instant.now());
        } catch (IOException e) {
            return new Status("down", uri.getHost() + ":" + port + " refused or did not answer: " + e.getMessage(), Instant.now());
        }
    }
}
