package dev.gatehouse.activities.forward;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Where and how the broker reaches one upstream MCP server. {@code headers} carry the broker's
 * credentials for it, so {@link #toString()} never shows their values.
 *
 * @param timeout     how long to wait for the upstream's response headers (a JSON answer or the start of a stream)
 * @param idleTimeout how long an upstream connection may carry no data before it is given up
 */
public record UpstreamTarget(String name, URI url, Map<String, String> headers, Duration connectTimeout, Duration timeout,
                             Duration idleTimeout) {

    public UpstreamTarget {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(url, "url");
        headers = Map.copyOf(headers);
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(idleTimeout, "idleTimeout");
    }

    @Override
    public String toString() {
        // Query strings may carry API keys; only the header names are shown, never their values.
        String shown = url.getRawQuery() == null ? url.toString() : url.toString().replace(url.getRawQuery(), "…");
        return "UpstreamTarget[name=" + name + ", url=" + shown + ", headers=" + headers.keySet() + "]";
    }
}
