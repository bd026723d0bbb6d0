package dev.gatehouse.broker.approval;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.broker.auth.Caller;
import dev.gatehouse.workflows.gated.TraceContext;

import java.util.Objects;

/**
 * A request a policy gated, as the proxy received it.
 *
 * @param mcpSessionId       the broker session it names; null when none
 * @param recordingSessionId the audit session its events are recorded in
 * @param id                 its JSON-RPC id
 * @param raw                the request exactly as the caller sent it (what the upstream gets once approved)
 * @param traceContext       the caller's W3C trace context, which the upstream request joins; null when none
 */
public record CallToGate(Caller caller, String upstream, String mcpSessionId, String recordingSessionId, String method,
                         String target, JsonNode id, JsonNode params, byte[] raw, TraceContext traceContext) {

    public CallToGate {
        Objects.requireNonNull(caller, "caller");
        Objects.requireNonNull(upstream, "upstream");
        Objects.requireNonNull(recordingSessionId, "recordingSessionId");
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(params, "params");
        Objects.requireNonNull(raw, "raw");
    }
}
