package dev.gatehouse.broker.mcp;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Builds the JSON-RPC error message the caller receives for a refusal. */
public final class JsonRpcErrors {

    private JsonRpcErrors() {
    }

    public static ObjectNode of(ObjectMapper json, McpRefusal refusal) {
        ObjectNode message = json.createObjectNode();
        message.put("jsonrpc", "2.0");
        if (refusal.requestId() != null) {
            message.set("id", refusal.requestId());
        } else {
            message.putNull("id");
        }
        ObjectNode error = message.putObject("error");
        error.put("code", refusal.reason().jsonRpcCode());
        error.put("message", refusal.getMessage());
        ObjectNode data = json.valueToTree(refusal.data());
        data.put("reason", refusal.reason().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
        error.set("data", data);
        return message;
    }
}
