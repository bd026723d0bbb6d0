package dev.gatehouse.notifier.slack;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Plays Slack's side of interactivity for tests: builds the payloads Slack posts for a button click and a
 * modal submission, signs them as Slack does (computed here, independently of the code under test) and
 * posts them to the broker's interactivity URL. Thread-safe.
 */
public final class SlackInteractivityClient {

    /** A request as Slack would send it; sending the same one twice is a replay. */
    public record Signed(String body, String timestamp, String signature) {
    }

    private static final AtomicLong TRIGGERS = new AtomicLong();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final URI url;
    private final String signingSecret;

    public SlackInteractivityClient(URI interactivityUrl, String signingSecret) {
        this.url = interactivityUrl;
        this.signingSecret = signingSecret;
    }

    /** {@code payload} signed now with the signing secret. */
    public Signed signed(String payload) {
        return signedAt(payload, Instant.now());
    }

    /** {@code payload} signed with the signing secret, claiming to be sent at {@code at}. */
    public Signed signedAt(String payload, Instant at) {
        String body = formBody(payload);
        String timestamp = String.valueOf(at.getEpochSecond());
        return new Signed(body, timestamp, signature(signingSecret, timestamp, body));
    }

    /** {@code payload} signed now with another secret: what a forger without the signing secret can send. */
    public Signed forged(String payload) {
        String body = formBody(payload);
        String timestamp = String.valueOf(Instant.now().getEpochSecond());
        return new Signed(body, timestamp, signature("not-" + signingSecret, timestamp, body));
    }

    public HttpResponse<String> send(String payload) {
        return send(signed(payload));
    }

    public HttpResponse<String> send(Signed request) {
        return sendRaw(request.body(), request.timestamp(), request.signature());
    }

    /** Posts {@code body} with the given headers; a null header is left out. */
    public HttpResponse<String> sendRaw(String body, String timestamp, String signature) {
        HttpRequest.Builder request = HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (timestamp != null) {
            request.header("X-Slack-Request-Timestamp", timestamp);
        }
        if (signature != null) {
            request.header("X-Slack-Signature", signature);
        }
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException("POST " + url + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Slack's form body: one field, {@code payload}, holding the JSON. */
    public static String formBody(String payload) {
        return "payload=" + URLEncoder.encode(payload, StandardCharsets.UTF_8);
    }

    public static String signature(String secret, String timestamp, String body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return "v0=" + HexFormat.of().formatHex(mac.doFinal(("v0:" + timestamp + ":" + body).getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The {@code block_actions} payload of {@code userId} clicking the button {@code actionId} on the message {@code channel/ts}. */
    public static String click(String userId, String channel, String messageTs, String actionId, String value) {
        JsonObject payload = new JsonObject();
        payload.addProperty("type", "block_actions");
        payload.add("user", user(userId));
        payload.addProperty("api_app_id", "A0GATEHOUSE");
        payload.addProperty("trigger_id", "1337." + TRIGGERS.incrementAndGet() + ".trigger");
        JsonObject container = new JsonObject();
        container.addProperty("type", "message");
        container.addProperty("message_ts", messageTs);
        container.addProperty("channel_id", channel);
        payload.add("container", container);
        JsonObject channelObject = new JsonObject();
        channelObject.addProperty("id", channel);
        payload.add("channel", channelObject);
        JsonObject message = new JsonObject();
        message.addProperty("ts", messageTs);
        payload.add("message", message);
        JsonObject action = new JsonObject();
        action.addProperty("type", "button");
        action.addProperty("action_id", actionId);
        action.addProperty("block_id", "gatehouse_decision");
        action.addProperty("value", value);
        action.addProperty("action_ts", Instant.now().getEpochSecond() + ".000300");
        JsonArray actions = new JsonArray();
        actions.add(action);
        payload.add("actions", actions);
        return payload.toString();
    }

    /**
     * The {@code view_submission} payload of {@code userId} submitting {@code view} (as the broker opened it with
     * {@code views.open}) with every text input holding {@code text}.
     */
    public static String submission(String userId, JsonElement view, String text) {
        JsonObject opened = view.getAsJsonObject();
        JsonObject values = new JsonObject();
        for (JsonElement block : opened.getAsJsonArray("blocks")) {
            JsonObject input = block.getAsJsonObject();
            if (!"input".equals(input.get("type").getAsString())) {
                continue;
            }
            JsonObject element = input.getAsJsonObject("element");
            JsonObject state = new JsonObject();
            state.addProperty("type", element.get("type").getAsString());
            state.addProperty("value", text);
            JsonObject byAction = new JsonObject();
            byAction.add(element.get("action_id").getAsString(), state);
            values.add(input.get("block_id").getAsString(), byAction);
        }
        JsonObject submitted = new JsonObject();
        submitted.addProperty("id", "V0MODAL");
        submitted.addProperty("type", "modal");
        submitted.add("callback_id", opened.get("callback_id"));
        submitted.add("private_metadata", opened.get("private_metadata"));
        JsonObject stateObject = new JsonObject();
        stateObject.add("values", values);
        submitted.add("state", stateObject);
        JsonObject payload = new JsonObject();
        payload.addProperty("type", "view_submission");
        payload.add("user", user(userId));
        payload.addProperty("api_app_id", "A0GATEHOUSE");
        payload.add("view", submitted);
        return payload.toString();
    }

    private static JsonObject user(String userId) {
        JsonObject user = new JsonObject();
        user.addProperty("id", userId);
        user.addProperty("username", userId.toLowerCase(java.util.Locale.ROOT));
        return user;
    }
}
