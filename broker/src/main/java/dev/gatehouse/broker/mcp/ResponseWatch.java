package dev.gatehouse.broker.mcp;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Passes an upstream's streamed messages on to the next filter and notes whether the response to one
 * request went by. A stream that breaks off after its response has nothing left to say; one that breaks
 * off before it leaves the request unanswered, and the caller must be told, or it waits for ever.
 * Only messages that could be the response are parsed (notifications and requests are the bulk of a stream).
 */
final class ResponseWatch implements MessageFilter {

    private final ObjectMapper json;
    private final JsonNode requestId;
    private final MessageFilter next;
    /** Set when a staged response is released (possibly on another thread than the one that staged it). */
    private volatile boolean answered;

    ResponseWatch(ObjectMapper json, JsonNode requestId, MessageFilter next) {
        this.json = json;
        this.requestId = requestId;
        this.next = next;
    }

    /** True once the response to the request was let through to the caller. */
    boolean answered() {
        return answered;
    }

    @Override
    public String apply(String message) {
        return stage(message).release();
    }

    @Override
    public Staged stage(String message) {
        boolean response = !answered && isResponse(message);
        Staged staged = next.stage(message);
        return () -> {
            String passed = staged.release();
            // Set only once the next filter let it through: one it could not record ends the relay with a refusal of its own.
            if (response) {
                answered = true;
            }
            return passed;
        };
    }

    private boolean isResponse(String message) {
        if (!message.contains("\"result\"") && !message.contains("\"error\"")) {
            return false;
        }
        try {
            JsonNode node = json.readTree(message);
            return node.isObject() && !node.has("method") && requestId.equals(node.get("id"));
        } catch (JsonProcessingException notJson) {
            return false;
        }
    }
}
