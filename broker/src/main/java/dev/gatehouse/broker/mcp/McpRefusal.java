package dev.gatehouse.broker.mcp;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Map;
import java.util.Objects;

/**
 * The broker refuses or cannot complete an MCP request. Carries what the caller needs to act:
 * the {@link Reason}, a message naming the upstream, limit or header involved, and the JSON-RPC id
 * of the request when it is known. Turned into HTTP + JSON-RPC in exactly one place.
 */
public final class McpRefusal extends RuntimeException {

    /** Every way the broker refuses, with the HTTP status and JSON-RPC error code it answers with. */
    public enum Reason {
        PARSE_ERROR(400, -32700),
        INVALID_REQUEST(400, -32600),
        HEADER_MISMATCH(400, -32020),
        UNAUTHENTICATED(401, -32010),
        FORBIDDEN_ORIGIN(403, -32011),
        SESSION_OF_ANOTHER_CALLER(403, -32012),
        UNKNOWN_UPSTREAM(404, -32013),
        UNKNOWN_SESSION(404, -32001),
        PAYLOAD_TOO_LARGE(413, -32014),
        // Policy outcomes are answers to a well-formed exchange: HTTP 200, so every MCP client shows the message.
        POLICY_DENIED(200, -32015),
        // The approval workflow engine cannot be reached: the call is not held, a retry attaches to its approval.
        APPROVAL_UNAVAILABLE(503, -32016),
        INSUFFICIENT_SCOPE(403, -32017),
        UPSTREAM_UNREACHABLE(502, -32030),
        UPSTREAM_REJECTED_CREDENTIALS(502, -32031),
        UPSTREAM_MESSAGE_TOO_LARGE(502, -32032),
        UPSTREAM_PROTOCOL_ERROR(502, -32033),
        UPSTREAM_TIMEOUT(504, -32034),
        STORAGE_UNAVAILABLE(503, -32035),
        // Outcomes of an approval-gated call, sent on its held stream (HTTP 200 was sent when holding began).
        APPROVAL_DENIED(200, -32040),
        APPROVAL_EXPIRED(200, -32041),
        APPROVED_CALL_FAILED(200, -32042),
        APPROVAL_FAILED(200, -32043),
        TOO_MANY_PENDING_APPROVALS(429, -32044),
        // tasks/result of a gated call's task that its caller cancelled: the call has no other answer.
        APPROVAL_CANCELLED(200, -32045),
        // MCP tasks (2025-11-25) answers these with Invalid params: a task id nobody may see, or a task already ended.
        UNKNOWN_TASK(200, -32602),
        TASK_ENDED(200, -32602),
        IDENTITY_UNAVAILABLE(503, -32036);

        private final int httpStatus;
        private final int jsonRpcCode;

        Reason(int httpStatus, int jsonRpcCode) {
            this.httpStatus = httpStatus;
            this.jsonRpcCode = jsonRpcCode;
        }

        public int httpStatus() {
            return httpStatus;
        }

        public int jsonRpcCode() {
            return jsonRpcCode;
        }

        /** False for a refusal because the audit store failed: there is nowhere to record it. */
        public boolean recordable() {
            return this != STORAGE_UNAVAILABLE;
        }

        /** How the audit record classifies a request refused for this reason (a session filter's outcome). */
        public String recordedOutcome() {
            return switch (this) {
                case POLICY_DENIED -> "denied";
                case APPROVAL_UNAVAILABLE, APPROVAL_FAILED -> "approval-unavailable";
                case APPROVAL_DENIED -> "approval-denied";
                case APPROVAL_EXPIRED -> "approval-expired";
                case APPROVAL_CANCELLED -> "cancelled";
                case TOO_MANY_PENDING_APPROVALS -> "approval-limit";
                case INSUFFICIENT_SCOPE -> "insufficient-scope";
                case UPSTREAM_UNREACHABLE, UPSTREAM_REJECTED_CREDENTIALS, UPSTREAM_MESSAGE_TOO_LARGE, UPSTREAM_PROTOCOL_ERROR,
                     UPSTREAM_TIMEOUT, APPROVED_CALL_FAILED -> "error";
                default -> "refused";
            };
        }
    }

    private final Reason reason;
    private final transient JsonNode requestId;
    private final Map<String, Object> data;

    public McpRefusal(Reason reason, String message) {
        this(reason, message, null, Map.of(), null);
    }

    public McpRefusal(Reason reason, String message, JsonNode requestId, Map<String, Object> data, Throwable cause) {
        super(message, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
        this.requestId = requestId;
        this.data = Map.copyOf(data);
    }

    public Reason reason() {
        return reason;
    }

    /** The JSON-RPC id of the refused request, or null when unknown (a notification, or unparsable input). */
    public JsonNode requestId() {
        return requestId;
    }

    public Map<String, Object> data() {
        return data;
    }

    /** The same refusal, now tied to the request it answers. */
    public McpRefusal forRequest(JsonNode id) {
        return requestId != null || id == null ? this : new McpRefusal(reason, getMessage(), id, data, getCause());
    }
}
