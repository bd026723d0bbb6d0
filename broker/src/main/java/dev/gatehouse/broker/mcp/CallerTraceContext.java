package dev.gatehouse.broker.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.workflows.gated.TraceContext;

import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Where a caller's W3C trace context is: the {@code traceparent}/{@code tracestate} headers, or else the same
 * keys in the request's {@code params._meta}, where MCP clients whose transport has no headers put them.
 */
final class CallerTraceContext {

    private CallerTraceContext() {
    }

    static Optional<TraceContext> of(UnaryOperator<String> header, JsonNode params) {
        Optional<TraceContext> fromHeaders = TraceContext.of(header.apply("traceparent"), header.apply("tracestate"));
        if (fromHeaders.isPresent()) {
            return fromHeaders;
        }
        JsonNode meta = params.path("_meta");
        return TraceContext.of(meta.path("traceparent").textValue(), meta.path("tracestate").textValue());
    }
}
