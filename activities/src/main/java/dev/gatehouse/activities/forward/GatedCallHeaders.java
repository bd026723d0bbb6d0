package dev.gatehouse.activities.forward;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.activities.sessions.McpSession;
import dev.gatehouse.workflows.gated.GatedCall;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The headers an approved call is sent upstream with. Built from the session and the request
 * alone, never copied from the caller's HTTP request: that request is long gone, and its
 * {@code Authorization} must never reach an upstream anyway.
 */
final class GatedCallHeaders {

    /** The first revision whose requests carry {@code Mcp-Method} and {@code Mcp-Name} (required there). */
    static final String STATELESS_REVISION = "2026-07-28";

    private static final Pattern REVISION = Pattern.compile("\\d{4}-\\d{2}-\\d{2}");
    private static final Pattern PLAIN = Pattern.compile("[\\x20-\\x7e]*");

    private GatedCallHeaders() {
    }

    static Map<String, List<String>> of(GatedCall call, JsonNode request, Optional<McpSession> session) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        headers.put("Content-Type", List.of("application/json"));
        headers.put("Accept", List.of("application/json, text/event-stream"));
        session.map(McpSession::upstreamSessionId).ifPresent(id -> headers.put("Mcp-Session-Id", List.of(id)));
        // A sessioned revision negotiated at initialize; a stateless request names its own in _meta.
        Optional<String> version = session.map(McpSession::protocolVersion)
                .or(() -> Optional.ofNullable(request.path("params").path("_meta")
                        .path("io.modelcontextprotocol/protocolVersion").textValue()));
        version.ifPresent(v -> headers.put("MCP-Protocol-Version", List.of(v)));
        // The caller's trace goes on, as it does for calls that are not held.
        if (call.traceContext() != null) {
            headers.put("traceparent", List.of(call.traceContext().traceparent()));
            if (call.traceContext().tracestate() != null) {
                headers.put("tracestate", List.of(call.traceContext().tracestate()));
            }
        }
        if (version.filter(v -> REVISION.matcher(v).matches() && v.compareTo(STATELESS_REVISION) >= 0).isPresent()) {
            headers.put("Mcp-Method", List.of(call.method()));
            headers.put("Mcp-Name", List.of(encoded(call.target())));
        }
        return headers;
    }

    /** Header values outside printable ASCII travel as {@code =?base64?…?=}, as the 2026-07-28 revision says. */
    static String encoded(String value) {
        return PLAIN.matcher(value).matches()
                ? value
                : "=?base64?" + Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8)) + "?=";
    }
}
