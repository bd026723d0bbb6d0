package dev.gatehouse.broker.config;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One upstream MCP server, served at {@code /mcp/<name>}. {@code headers} hold the broker's
 * credentials for it and are never shown by {@link #toString()}.
 *
 * @param transport      {@code streamable-http} (default) or {@code sse} for servers that only speak the legacy HTTP+SSE transport
 * @param connectTimeout how long to wait for a TCP connection
 * @param timeout        how long to wait for the upstream to start answering a request
 * @param idleTimeout    how long an upstream connection may carry no data (streams get keep-alives) before it is given up
 * @param auditFailOpen  while the audit store is down, let calls through (recorded late, marked fail-open) instead of
 *                       refusing them; default false: nothing passes unrecorded
 */
public record UpstreamSettings(
        String name,
        HttpUrl url,
        UpstreamTransport transport,
        Map<String, String> headers,
        Duration connectTimeout,
        Duration timeout,
        Duration idleTimeout,
        Boolean auditFailOpen) {

    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,62}");

    public UpstreamSettings {
        Objects.requireNonNull(name, "name is required");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("name must be 1-63 lower-case letters, digits, '-' or '_', starting with a letter or digit");
        }
        Objects.requireNonNull(url, "url is required");
        transport = transport == null ? UpstreamTransport.STREAMABLE_HTTP : transport;
        headers = headers == null ? Map.of() : Map.copyOf(headers);
        connectTimeout = positive("connectTimeout", connectTimeout, Duration.ofSeconds(5));
        timeout = positive("timeout", timeout, Duration.ofMinutes(2));
        idleTimeout = positive("idleTimeout", idleTimeout, Duration.ofMinutes(10));
        auditFailOpen = auditFailOpen != null && auditFailOpen;
    }

    private static Duration positive(String key, Duration value, Duration fallback) {
        if (value == null) {
            return fallback;
        }
        if (value.isZero() || value.isNegative()) {
            throw new IllegalArgumentException(key + " must be positive");
        }
        return value;
    }

    @Override
    public String toString() {
        return "UpstreamSettings[name=" + name + ", url=" + url + ", transport=" + transport
                + ", headers=" + headers.keySet() + "]";
    }
}
