package dev.gatehouse.workflows.relay;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One HTTP exchange the broker asks an agent to have with an upstream it cannot reach itself: the caller's
 * message with the headers the broker forwards (never the caller's token). The agent adds the upstream's
 * URL and credentials, which only it holds.
 *
 * @param upstream the upstream's name, as both the broker's and the agent's configuration call it
 * @param method   {@code POST} or {@code DELETE}
 * @param body     the JSON-RPC message as text; empty for {@code DELETE}
 * @param timeout  how long the upstream has to answer, end to end
 */
public record RelayRequest(String upstream, String method, Map<String, List<String>> headers, String body, Duration timeout) {

    public RelayRequest {
        Objects.requireNonNull(upstream, "upstream");
        Objects.requireNonNull(method, "method");
        headers = headers == null ? Map.of() : Map.copyOf(headers);
        body = body == null ? "" : body;
        Objects.requireNonNull(timeout, "timeout");
    }
}
