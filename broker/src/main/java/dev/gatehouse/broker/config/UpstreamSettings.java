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
 * @param agent          instead of {@code url}: the agents that reach this upstream for the broker (agent mode); its
 *                       URL and credential are then in their configuration, not the broker's
 */
public record UpstreamSettings(
        String name,
        HttpUrl url,
        UpstreamTransport transport,
        Map<String, String> headers,
        Duration connectTimeout,
        Duration timeout,
        Duration idleTimeout,
        Boolean auditFailOpen,
        AgentRoute agent) {

    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,62}");

    public UpstreamSettings {
        Objects.requireNonNull(name, "name is required");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("name must be 1-63 lower-case letters, digits, '-' or '_', starting with a letter or digit");
        }
        if ((url == null) == (agent == null)) {
            throw new IllegalArgumentException("give url or agent, not both: url when the broker reaches the upstream"
                    + " itself, agent: { taskQueue: … } when agents beside it do");
        }
        transport = transport == null ? UpstreamTransport.STREAMABLE_HTTP : transport;
        headers = headers == null ? Map.of() : Map.copyOf(headers);
        if (agent != null && !headers.isEmpty()) {
            throw new IllegalArgumentException("headers belong in the agent's configuration: through an agent, the upstream's"
                    + " credential never reaches the broker");
        }
        if (agent != null && transport != UpstreamTransport.STREAMABLE_HTTP) {
            throw new IllegalArgumentException("transport must be streamable-http through an agent: a legacy SSE stream"
                    + " cannot cross a task queue");
        }
        connectTimeout = positive("connectTimeout", connectTimeout, Duration.ofSeconds(5));
        timeout = positive("timeout", timeout, Duration.ofMinutes(2));
        idleTimeout = positive("idleTimeout", idleTimeout, Duration.ofMinutes(10));
        auditFailOpen = auditFailOpen != null && auditFailOpen;
    }

    /** True when agents, not the broker, reach this upstream. */
    public boolean viaAgent() {
        return agent != null;
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
        return "UpstreamSettings[name=" + name + (agent != null ? ", agent=" + agent.taskQueue() : ", url=" + url) + ", transport=" + transport
                + ", headers=" + headers.keySet() + "]";
    }
}
