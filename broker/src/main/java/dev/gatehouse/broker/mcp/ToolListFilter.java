package dev.gatehouse.broker.mcp;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.broker.policy.PolicyInput;
import dev.gatehouse.broker.policy.PolicySet;

/**
 * Removes from a {@code tools/list} result every tool the policy would deny this caller whatever
 * the arguments, so an agent is not shown tools it can never use. Only the response to the
 * request it was made for is touched.
 */
final class ToolListFilter implements MessageFilter {

    private final ObjectMapper json;
    private final PolicySet policy;
    private final PolicyInput.Caller caller;
    private final String upstream;
    private final JsonNode requestId;

    ToolListFilter(ObjectMapper json, PolicySet policy, PolicyInput.Caller caller, String upstream, JsonNode requestId) {
        this.json = json;
        this.policy = policy;
        this.caller = caller;
        this.upstream = upstream;
        this.requestId = requestId;
    }

    @Override
    public String apply(String text) {
        JsonNode message;
        try {
            message = json.readTree(text);
        } catch (JacksonException e) {
            return text;
        }
        if (!(message instanceof ObjectNode object) || !requestId.equals(object.get("id"))
                || !(object.path("result").path("tools") instanceof ArrayNode tools)) {
            return text;
        }
        ArrayNode kept = json.createArrayNode();
        for (JsonNode tool : tools) {
            if (policy.mayEverPermit(caller, upstream, tool.path("name").asText(""))) {
                kept.add(tool);
            }
        }
        if (kept.size() == tools.size()) {
            return text;
        }
        ((ObjectNode) object.get("result")).set("tools", kept);
        try {
            return json.writeValueAsString(object);
        } catch (JacksonException e) {
            throw new IllegalStateException("cannot write a filtered tools/list result", e);
        }
    }
}
