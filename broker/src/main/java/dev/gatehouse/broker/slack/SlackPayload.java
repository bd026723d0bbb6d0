package dev.gatehouse.broker.slack;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.notifier.slack.SlackChannel;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * What an interactivity request asks, read from its {@code payload} form field
 * (https://api.slack.com/reference/interaction-payloads): a click on one of Gatehouse's buttons, the deny
 * form submitted, or something Gatehouse does not act on.
 */
sealed interface SlackPayload {

    /** Approval ids are UUIDs; anything far longer is not one of ours. */
    int APPROVAL_ID_MAX = 200;

    /** The Slack user who acted. */
    String userId();

    /** A click on Approve or Deny on the message in {@code channel} at {@code messageTs}. */
    record Click(String userId, String channel, String messageTs, String triggerId, boolean approve, String approvalId)
            implements SlackPayload {
    }

    /** The deny form submitted with its reason. */
    record DenySubmission(String userId, DenyModal.Origin origin, String reason) implements SlackPayload {
    }

    /** Signed by Slack but not for Gatehouse to act on (another app's button, a closed modal). */
    record Other(String userId, String what) implements SlackPayload {
    }

    /**
     * @param formBody the request body as Slack signed it: {@code payload=<url-encoded JSON>}
     * @throws MalformedPayload when there is no payload, it is not JSON, or it lacks what its type needs
     */
    static SlackPayload parse(ObjectMapper json, byte[] formBody) {
        JsonNode payload;
        try {
            payload = json.readTree(field(new String(formBody, StandardCharsets.UTF_8), "payload"));
        } catch (JsonProcessingException e) {
            throw new MalformedPayload("the payload is not JSON");
        }
        if (payload == null || !payload.isObject()) {
            throw new MalformedPayload("the payload is not a JSON object");
        }
        String userId = text(payload.path("user").path("id"), "user.id");
        String type = payload.path("type").asText("");
        return switch (type) {
            case "block_actions" -> click(payload, userId);
            case "view_submission" -> submission(json, payload, userId);
            default -> new Other(userId, "a " + (type.isEmpty() ? "payload without a type" : type + " payload"));
        };
    }

    private static SlackPayload click(JsonNode payload, String userId) {
        JsonNode action = payload.path("actions").path(0);
        if (!action.isObject()) {
            throw new MalformedPayload("a block_actions payload without actions");
        }
        String actionId = action.path("action_id").asText("");
        if (!actionId.equals(SlackChannel.APPROVE_ACTION) && !actionId.equals(SlackChannel.DENY_ACTION)) {
            return new Other(userId, "the action " + actionId);
        }
        String channel = payload.path("channel").path("id").asText(payload.path("container").path("channel_id").asText(""));
        if (channel.isEmpty()) {
            throw new MalformedPayload("a click that names no channel");
        }
        String messageTs = payload.path("container").path("message_ts").asText(payload.path("message").path("ts").asText(""));
        return new Click(userId, channel, messageTs, text(payload.path("trigger_id"), "trigger_id"),
                actionId.equals(SlackChannel.APPROVE_ACTION), approvalId(action.path("value").asText("")));
    }

    private static SlackPayload submission(ObjectMapper json, JsonNode payload, String userId) {
        JsonNode view = payload.path("view");
        String callbackId = view.path("callback_id").asText("");
        if (!callbackId.equals(DenyModal.CALLBACK_ID)) {
            return new Other(userId, "the form " + callbackId);
        }
        DenyModal.Origin origin = DenyModal.Origin.decode(json, view.path("private_metadata").asText(""));
        JsonNode reason = view.path("state").path("values").path(DenyModal.REASON_BLOCK).path(DenyModal.REASON_ACTION).path("value");
        if (!reason.isTextual() || reason.asText().isBlank()) {
            throw new MalformedPayload("the deny form carries no reason");
        }
        return new DenySubmission(userId, origin, reason.asText().strip());
    }

    static String approvalId(String value) {
        if (value.isBlank() || value.length() > APPROVAL_ID_MAX) {
            throw new MalformedPayload("the action carries no approval id");
        }
        return value;
    }

    private static String text(JsonNode node, String name) {
        if (!node.isTextual() || node.asText().isBlank()) {
            throw new MalformedPayload("the payload has no " + name);
        }
        return node.asText();
    }

    /** One field of a form body; parsed here from the very bytes whose signature was checked. */
    private static String field(String form, String name) {
        for (String pair : form.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && pair.substring(0, eq).equals(name)) {
                try {
                    return URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                } catch (IllegalArgumentException e) {
                    throw new MalformedPayload("the " + name + " field is not URL-encoded");
                }
            }
        }
        throw new MalformedPayload("the body has no " + name + " field");
    }
}
