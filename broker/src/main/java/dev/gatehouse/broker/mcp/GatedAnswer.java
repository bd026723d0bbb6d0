package dev.gatehouse.broker.mcp;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.workflows.gated.GatedCallResult;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What the caller of an approval-gated request is told once its approval has ended: the upstream's
 * (masked) answer, a refusal saying who decided what, or nothing for a call its caller cancelled.
 * The held stream and a task's {@code tasks/result} tell it alike.
 */
sealed interface GatedAnswer {

    /** The upstream's JSON-RPC response (a result or an error), under the id of the request it now answers. */
    record Answered(ObjectNode message) implements GatedAnswer {
        public Answered {
            Objects.requireNonNull(message, "message");
        }
    }

    record Refused(McpRefusal refusal) implements GatedAnswer {
        public Refused {
            Objects.requireNonNull(refusal, "refusal");
        }
    }

    /** The caller cancelled the call; {@code detail} says so in words. */
    record Cancelled(String detail) implements GatedAnswer {
    }

    /**
     * @param target what was called: a tool name, resource URI or prompt name
     * @param id     the JSON-RPC id of the request this answers (the gated request, or a {@code tasks/result})
     */
    static GatedAnswer of(ObjectMapper json, String target, JsonNode id, GatedCallResult result) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("approvalId", result.approvalId());
        data.put("outcome", result.outcome().wireName());
        data.put("decidedBy", result.decisions().stream().map(d -> d.decider().display()).toList());
        String what = "call to '" + target + "'";
        return switch (result.outcome()) {
            case APPROVED -> result.forwarded().answered()
                    ? new Answered(withId(json, result.forwarded().response(), id))
                    : new Refused(new McpRefusal(McpRefusal.Reason.APPROVED_CALL_FAILED, what + " was approved ("
                    + result.detail() + ") but did not complete at the upstream: " + result.forwarded().failure(), id, data, null));
            case DENIED -> new Refused(new McpRefusal(McpRefusal.Reason.APPROVAL_DENIED, what + " " + result.detail(), id, data, null));
            case EXPIRED -> new Refused(new McpRefusal(McpRefusal.Reason.APPROVAL_EXPIRED,
                    what + " expired waiting for approval: " + result.detail(), id, data, null));
            case CANCELLED, PENDING -> new Cancelled(what + " was " + result.detail());
        };
    }

    /** The upstream's answer carries the id of the request that was forwarded; a re-attached retry or a task gets its own. */
    private static ObjectNode withId(ObjectMapper json, String response, JsonNode id) {
        try {
            ObjectNode message = (ObjectNode) json.readTree(response);
            message.set("id", id);
            return message;
        } catch (JsonProcessingException | ClassCastException e) {
            throw new IllegalStateException("the recorded answer of a gated call is not a JSON-RPC message", e);
        }
    }

    static String text(ObjectMapper json, JsonNode message) {
        try {
            return json.writeValueAsString(message);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree always serializes", e);
        }
    }
}
