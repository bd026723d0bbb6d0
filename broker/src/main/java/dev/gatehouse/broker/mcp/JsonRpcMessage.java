package dev.gatehouse.broker.mcp;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.util.Optional;

/**
 * One JSON-RPC 2.0 message as a client sent it: a request, a notification, or a response to a
 * server→client request. The raw bytes are kept so the upstream receives exactly what was sent.
 */
record JsonRpcMessage(Kind kind, JsonNode id, String method, ObjectNode json, byte[] raw) {

    /** What the message is. */
    public enum Kind { REQUEST, NOTIFICATION, RESPONSE }

    /**
     * Reads client messages strictly: a duplicate key or anything after the message is refused,
     * because the broker decides on its own reading of the body while the upstream receives the raw
     * bytes; a parser that took the first duplicate, or read on past the end, would see another call.
     */
    private static final ObjectMapper STRICT = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    /** Methods whose effects a policy decides on: sent as notifications they would escape the decision. */
    private static final java.util.Set<String> REQUEST_ONLY = java.util.Set.of("tools/call", "resources/read", "prompts/get", "initialize");

    /** Parses and checks the envelope; batches and non-objects are refused, as MCP has had no batches since 2025-06-18. */
    public static JsonRpcMessage parse(byte[] body) {
        JsonNode node;
        try {
            node = STRICT.readTree(body);
        } catch (JacksonException e) {
            throw new McpRefusal(McpRefusal.Reason.PARSE_ERROR, "the body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new McpRefusal(McpRefusal.Reason.PARSE_ERROR, "the body could not be read: " + e.getMessage());
        }
        if (node == null || node.isMissingNode()) {
            throw new McpRefusal(McpRefusal.Reason.PARSE_ERROR, "the body is empty; expected one JSON-RPC message");
        }
        if (node.isArray()) {
            throw new McpRefusal(McpRefusal.Reason.INVALID_REQUEST,
                    "JSON-RPC batches are not supported; send one message per request");
        }
        if (!(node instanceof ObjectNode object)) {
            throw new McpRefusal(McpRefusal.Reason.INVALID_REQUEST, "expected a JSON-RPC message object");
        }
        JsonNode id = object.get("id");
        if (id != null && !(id.isTextual() || id.isIntegralNumber())) {
            throw new McpRefusal(McpRefusal.Reason.INVALID_REQUEST, "id must be a string or an integer (MCP forbids null ids)");
        }
        if (!"2.0".equals(object.path("jsonrpc").asText(null))) {
            throw invalid("jsonrpc must be \"2.0\"", id);
        }
        JsonNode method = object.get("method");
        if (method != null) {
            if (!method.isTextual() || method.asText().isEmpty()) {
                throw invalid("method must be a non-empty string", id);
            }
            JsonNode params = object.get("params");
            if (params != null && !params.isObject()) {
                throw invalid("params must be an object", id);
            }
            if (id == null && REQUEST_ONLY.contains(method.asText())) {
                throw invalid(method.asText() + " must be a request with an id, not a notification", null);
            }
            return new JsonRpcMessage(id == null ? Kind.NOTIFICATION : Kind.REQUEST, id, method.asText(), object, body);
        }
        if (id != null && (object.has("result") || object.has("error"))) {
            return new JsonRpcMessage(Kind.RESPONSE, id, null, object, body);
        }
        throw invalid("a message needs a method (request or notification) or a result/error with an id (response)", id);
    }

    private static McpRefusal invalid(String message, JsonNode id) {
        return new McpRefusal(McpRefusal.Reason.INVALID_REQUEST, message, id, java.util.Map.of(), null);
    }

    public boolean isRequest() {
        return kind == Kind.REQUEST;
    }

    public boolean isInitialize() {
        return kind == Kind.REQUEST && "initialize".equals(method);
    }

    public JsonNode params() {
        return json.path("params");
    }

    /** {@code params.name} for tools/call and prompts/get, {@code params.uri} for resources/read. */
    public Optional<String> target() {
        return switch (method == null ? "" : method) {
            case "tools/call", "prompts/get" -> Optional.ofNullable(params().path("name").textValue());
            case "resources/read" -> Optional.ofNullable(params().path("uri").textValue());
            default -> Optional.empty();
        };
    }

    /** An initialize request whose client declares the {@code tasks} capability (MCP 2025-11-25). */
    public boolean declaresClientTasks() {
        return isInitialize() && params().path("capabilities").path("tasks").isObject();
    }

    /** The protocol revision the message names in {@code _meta} (2026-07-28 and later) or in initialize params. */
    public Optional<String> declaredProtocolVersion() {
        JsonNode meta = params().path("_meta").path("io.modelcontextprotocol/protocolVersion");
        if (meta.isTextual()) {
            return Optional.of(meta.asText());
        }
        return isInitialize() ? Optional.ofNullable(params().path("protocolVersion").textValue()) : Optional.empty();
    }
}
