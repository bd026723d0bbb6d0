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
 * can never use. For a client that declared the {@code tasks} capability, it also marks the tools a
 * policy may hold for approval with {@code execution.taskSupport: "optional"} (unless the upstream
 * said otherwise): the broker runs those as tasks (see {@link GatedTasks}). Only the response to the
 * request it was made for is touched.
 */
final class ListFilter implements MessageFilter {

    private final ObjectMapper json;
    private final PolicySet policy;
    private final PolicyInput.Caller caller;
    private final String upstream;
    private final JsonNode requestId;
    private final PolicyInput.Target target;
    private final boolean offerTasks;

    /** @param offerTasks mark the tools that may be held for approval as tasks ({@code tools/list} of a client declaring tasks) */
    ListFilter(ObjectMapper json, PolicySet policy, PolicyInput.Caller caller, String upstream, JsonNode requestId,
               PolicyInput.Target target, boolean offerTasks) {
        this.json = json;
        this.policy = policy;
        this.caller = caller;
        this.upstream = upstream;
        this.requestId = requestId;
        this.target = target;
        this.offerTasks = offerTasks && target == PolicyInput.Target.TOOL;
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
        boolean changed = false;
        for (JsonNode entry : entries) {
            if (!policy.mayEverPermit(caller, upstream, target, entry.path(key()).asText(""))) {
                changed = true;
                continue;
            }
            changed |= offerTasks && offerAsTask(entry);
            kept.add(entry);
        }
        if (!changed) {
            return text;
        }
        ((ObjectNode) object.get("result")).set(field(), kept);
        try {
            return json.writeValueAsString(object);
        } catch (JacksonException e) {
            throw new IllegalStateException("cannot write a filtered list result", e);
        }
    }

    /** Marks a tool the policy may gate as runnable as a task; false when it is not gated or the upstream declared its own. */
    private boolean offerAsTask(JsonNode entry) {
        if (!(entry instanceof ObjectNode tool) || tool.path("execution").has("taskSupport")
                || !policy.mayRequireApproval(caller, upstream, target, tool.path("name").asText(""))) {
            return false;
        }
        ObjectNode execution = tool.get("execution") instanceof ObjectNode declared ? declared : tool.putObject("execution");
        execution.put("taskSupport", "optional");
        return true;
    }
}
