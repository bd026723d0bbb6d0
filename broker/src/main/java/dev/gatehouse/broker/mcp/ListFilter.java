package dev.gatehouse.broker.mcp;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.broker.policy.PolicyInput;
import dev.gatehouse.broker.policy.PolicySet;

/**
 * Removes from a {@code tools/list} (or {@code resources/list}, {@code prompts/list}) result every
 * entry the policy would deny this caller whatever the arguments, so an agent is not shown what it
 * can never use. Only the response to the request it was made for is touched.
 */
final class ListFilter implements MessageFilter {

    private final ObjectMapper json;
    private final PolicySet policy;
    private final PolicyInput.Caller caller;
    private final String upstream;
    private final JsonNode requestId;
    private final PolicyInput.Target target;

    ListFilter(ObjectMapper json, PolicySet policy, PolicyInput.Caller caller, String upstream, JsonNode requestId,
               PolicyInput.Target target) {
        this.json = json;
        this.policy = policy;
        this.caller = caller;
        this.upstream = upstream;
        this.requestId = requestId;
        this.target = target;
    }

    private String field() {
        return switch (target) {
            case TOOL -> "tools";
            case RESOURCE -> "resources";
            case PROMPT -> "prompts";
        };
    }

    private String key() {
        return target == PolicyInput.Target.RESOURCE ? "uri" : "name";
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
                || !(object.path("result").path(field()) instanceof ArrayNode entries)) {
            return text;
        }
        ArrayNode kept = json.createArrayNode();
        for (JsonNode entry : entries) {
            if (policy.mayEverPermit(caller, upstream, target, entry.path(key()).asText(""))) {
                kept.add(entry);
            }
        }
        if (kept.size() == entries.size()) {
            return text;
        }
        ((ObjectNode) object.get("result")).set(field(), kept);
        try {
            return json.writeValueAsString(object);
        } catch (JacksonException e) {
            throw new IllegalStateException("cannot write a filtered list result", e);
        }
    }
}
