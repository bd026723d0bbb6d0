package dev.gatehouse.notifier;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * The broker's URLs that notices link to. The broker serves exactly these paths; this is the one
 * place that spells them.
 *
 * @param publicUrl the broker's public URL ({@code server.publicUrl}), without a trailing slash
 */
public record ApprovalLinks(URI publicUrl) {

    /** Where an e-mailed decision link lands: {@code GET} shows the call and asks to confirm, {@code POST} decides. */
    public static final String EMAIL_DECISION_PATH = "/email/approvals/{id}";

    /** Where Slack posts button clicks and modal submissions (the Slack app's interactivity request URL). */
    public static final String SLACK_INTERACTIVITY_PATH = "/slack/interactivity";

    public ApprovalLinks {
        Objects.requireNonNull(publicUrl, "publicUrl");
        String text = publicUrl.toString();
        if (text.endsWith("/")) {
            publicUrl = URI.create(text.substring(0, text.length() - 1));
        }
    }

    /** The approval in the web UI. */
    public URI approval(String approvalId) {
        return URI.create(publicUrl + "/ui/approvals/" + encode(approvalId));
    }

    /** An e-mailed decision link carrying its signed token. */
    public URI emailDecision(String approvalId, String token) {
        return URI.create(publicUrl + EMAIL_DECISION_PATH.replace("{id}", encode(approvalId)) + "?t=" + encode(token));
    }

    public URI slackInteractivity() {
        return URI.create(publicUrl + SLACK_INTERACTIVITY_PATH);
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
