package dev.gatehouse.broker.mcp;

import dev.gatehouse.activities.forward.UpstreamResponse;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * Which headers cross the broker. An allow-list, both ways: the caller's {@code Authorization}
 * and cookies never reach an upstream, and an upstream's authentication challenges never reach
 * the caller (they concern the broker's credential, not the caller's).
 */
final class ForwardedHeaders {

    static final String SESSION_ID = "Mcp-Session-Id";

    private static final Set<String> REQUEST = Set.of(
            "accept", "content-type", "mcp-protocol-version", "last-event-id", "user-agent",
            "traceparent", "tracestate", "baggage");

    private static final Set<String> RESPONSE = Set.of(
            "content-type", "mcp-protocol-version", "cache-control", "retry-after", "x-accel-buffering");

    private ForwardedHeaders() {
    }

    /** The caller's headers that go upstream, plus the upstream's own session id when there is one. */
    static Map<String, List<String>> toUpstream(Iterable<String> names, java.util.function.Function<String, List<String>> values,
                                                String upstreamSessionId) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (String name : names) {
            String lower = name.toLowerCase(Locale.ROOT);
            if (lower.equals("mcp-session-id")) {
                continue;
            }
            if (REQUEST.contains(lower) || lower.startsWith("mcp-")) {
                out.computeIfAbsent(name, k -> new ArrayList<>()).addAll(values.apply(name));
            }
        }
        if (upstreamSessionId != null) {
            out.put(SESSION_ID, List.of(upstreamSessionId));
        }
        return out;
    }

    /** Copies the upstream's response headers that the caller may see; the session id is set separately. */
    static void toClient(UpstreamResponse response, BiConsumer<String, String> setter) {
        response.headers().forEach((name, values) -> {
            String lower = name.toLowerCase(Locale.ROOT);
            if (lower.equals("mcp-session-id") || values.isEmpty()) {
                return;
            }
            if (RESPONSE.contains(lower) || lower.startsWith("mcp-")) {
                setter.accept(name, values.getFirst());
            }
        });
    }
}
