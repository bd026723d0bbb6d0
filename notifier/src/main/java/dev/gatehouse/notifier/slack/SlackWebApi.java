package dev.gatehouse.notifier.slack;

import com.slack.api.Slack;
import com.slack.api.SlackConfig;
import com.slack.api.methods.MethodsClient;
import com.slack.api.methods.SlackApiException;
import com.slack.api.methods.SlackApiTextResponse;
import com.slack.api.methods.response.chat.ChatPostMessageResponse;
import com.slack.api.methods.response.users.UsersInfoResponse;
import com.slack.api.model.block.LayoutBlock;
import com.slack.api.model.view.View;
import dev.gatehouse.notifier.DeliveryFailedException;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The few Slack Web API methods Gatehouse uses, with every failure turned into a
 * {@link DeliveryFailedException} that names the method and says why: HTTP errors (with Slack's
 * {@code Retry-After} when it is rate limiting), an unreachable Slack, and {@code ok: false} answers
 * with Slack's error code. Nothing here retries; the notify activities do, with backoff. Thread-safe.
 */
public final class SlackWebApi {

    private final MethodsClient methods;

    public SlackWebApi(MethodsClient methods) {
        this.methods = Objects.requireNonNull(methods, "methods");
    }

    /**
     * A client of the Web API at {@code methodsUrl} ({@code https://slack.com/api/}, GovSlack's, or a test's)
     * that authenticates with the bot token.
     */
    public static SlackWebApi connect(String botToken, String methodsUrl) {
        Objects.requireNonNull(botToken, "botToken");
        SlackConfig config = new SlackConfig();
        config.setMethodsEndpointUrlPrefix(methodsUrl.endsWith("/") ? methodsUrl : methodsUrl + "/");
        // The client's request statistics run a background thread per instance; nothing reads them.
        config.setStatsEnabled(false);
        return new SlackWebApi(Slack.getInstance(config).methods(botToken));
    }

    /** Posts a new message; {@code text} is what notifications and screen readers show. */
    public SlackMessageRef post(String channel, String text, List<LayoutBlock> blocks) {
        ChatPostMessageResponse response = call("chat.postMessage to " + channel, () -> methods.chatPostMessage(r -> r
                .channel(channel).text(text).blocks(blocks).unfurlLinks(false).unfurlMedia(false)));
        return new SlackMessageRef(response.getChannel() == null ? channel : response.getChannel(), response.getTs());
    }

    /** Replies in the thread of {@code parent}. */
    public void reply(SlackMessageRef parent, String text) {
        call("chat.postMessage in the thread of " + parent.format(), () -> methods.chatPostMessage(r -> r
                .channel(parent.channel()).threadTs(parent.ts()).text(text).unfurlLinks(false).unfurlMedia(false)));
    }

    /** Replaces the text and blocks of {@code message}; blocks left out (buttons) are gone. */
    public void update(SlackMessageRef message, String text, List<LayoutBlock> blocks) {
        call("chat.update of " + message.format(), () -> methods.chatUpdate(r -> r
                .channel(message.channel()).ts(message.ts()).text(text).blocks(blocks)));
    }

    /** A message in {@code channel} that only {@code user} sees. */
    public void postEphemeral(String channel, String user, String text) {
        call("chat.postEphemeral to " + user + " in " + channel, () -> methods.chatPostEphemeral(r -> r
                .channel(channel).user(user).text(text)));
    }

    /** Opens a modal for the user whose click gave {@code triggerId} (valid for 3 seconds). */
    public void openView(String triggerId, View view) {
        call("views.open", () -> methods.viewsOpen(r -> r.triggerId(triggerId).view(view)));
    }

    /**
     * The e-mail address on the user's Slack profile; empty when Slack knows no such user or shows no address
     * (the app lacks the {@code users:read.email} scope, or the account is a bot).
     */
    public Optional<String> profileEmail(String userId) {
        UsersInfoResponse response;
        try {
            response = methods.usersInfo(r -> r.user(userId));
        } catch (SlackApiException | IOException e) {
            throw failure("users.info of " + userId, e);
        }
        if (!response.isOk()) {
            if ("user_not_found".equals(response.getError())) {
                return Optional.empty();
            }
            throw refused("users.info of " + userId, response);
        }
        if (response.getUser() == null || response.getUser().getProfile() == null) {
            return Optional.empty();
        }
        String email = response.getUser().getProfile().getEmail();
        return email == null || email.isBlank() ? Optional.empty() : Optional.of(email);
    }

    private interface Request<T extends SlackApiTextResponse> {
        T send() throws IOException, SlackApiException;
    }

    private static <T extends SlackApiTextResponse> T call(String what, Request<T> request) {
        T response;
        try {
            response = request.send();
        } catch (SlackApiException | IOException e) {
            throw failure(what, e);
        }
        if (!response.isOk()) {
            throw refused(what, response);
        }
        return response;
    }

    private static DeliveryFailedException failure(String what, Exception e) {
        if (e instanceof SlackApiException api) {
            int status = api.getResponse().code();
            Duration retryAfter = retryAfter(api.getResponse().header("Retry-After"));
            String why = status == 429 ? "Slack is rate limiting (HTTP 429)" : "Slack answered HTTP " + status;
            return new DeliveryFailedException(SlackChannel.NAME, what + ": " + why
                    + (retryAfter == null ? "" : "; retry after " + retryAfter.toSeconds() + " s"), e, retryAfter);
        }
        return new DeliveryFailedException(SlackChannel.NAME, what + ": Slack cannot be reached (" + e + ")", e);
    }

    private static DeliveryFailedException refused(String what, SlackApiTextResponse response) {
        return new DeliveryFailedException(SlackChannel.NAME, what + ": Slack refused it: " + response.getError(), null);
    }

    /** Slack gives whole seconds; anything else is ignored rather than guessed at. */
    private static Duration retryAfter(String header) {
        if (header == null) {
            return null;
        }
        try {
            long seconds = Long.parseLong(header.trim());
            return seconds < 0 ? null : Duration.ofSeconds(seconds);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
