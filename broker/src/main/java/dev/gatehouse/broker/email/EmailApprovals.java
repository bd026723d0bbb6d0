package dev.gatehouse.broker.email;

import dev.gatehouse.activities.approval.ApprovalStore;
import dev.gatehouse.activities.channel.DecisionAttempts;
import dev.gatehouse.activities.channel.SpentLinks;
import dev.gatehouse.broker.approval.GatedCalls;
import dev.gatehouse.broker.config.ChannelSettings;
import dev.gatehouse.broker.http.RouteGroup;
import dev.gatehouse.notifier.ApprovalChannel;
import dev.gatehouse.notifier.ApprovalLinks;
import dev.gatehouse.notifier.email.DecisionLinks;
import dev.gatehouse.notifier.email.EmailChannel;
import dev.gatehouse.notifier.email.SmtpSettings;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.util.Base64;
import java.util.Objects;

/**
 * E-mail as an approval channel: the channel that sends the mail, and the pages its decision links open.
 * Both use one link key, so every replica (and every restart) accepts the links any of them mailed.
 * Thread-safe.
 */
public final class EmailApprovals {

    /** Separates the link key from every other use of the payload key it may be derived from. */
    static final String DERIVATION_LABEL = "gatehouse e-mail decision links v1";

    private final EmailChannel channel;
    private final DecisionLinks links;
    private final ApprovalLinks urls;

    private EmailApprovals(EmailChannel channel, DecisionLinks links, ApprovalLinks urls) {
        this.channel = channel;
        this.links = links;
        this.urls = urls;
    }

    /**
     * @param payloadKeyBase64 {@code temporal.payloadKey}: the link key is derived from it when
     *                         {@code channels.email.linkKey} is absent
     * @throws IllegalArgumentException naming the key when the SMTP URL or a key is unusable
     */
    public static EmailApprovals create(ChannelSettings.Email settings, ApprovalLinks links, String payloadKeyBase64) {
        Objects.requireNonNull(settings, "settings");
        SmtpSettings smtp;
        try {
            smtp = SmtpSettings.of(settings.smtp(), settings.from(), settings.username(), settings.password(), settings.startTls());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("channels.email: " + e.getMessage(), e);
        }
        DecisionLinks signer = new DecisionLinks(linkKey(settings.linkKey(), payloadKeyBase64));
        return new EmailApprovals(new EmailChannel(smtp, signer, links), signer, links);
    }

    public ApprovalChannel channel() {
        return channel;
    }

    /** {@code GET} and {@code POST} {@value ApprovalLinks#EMAIL_DECISION_PATH}: the confirmation page and the decision. */
    public RouteGroup routes(GatedCalls gatedCalls, ApprovalStore approvals, DecisionAttempts attempts, SpentLinks spentLinks) {
        DecisionPages pages = new DecisionPages(links, gatedCalls, approvals, attempts, spentLinks, urls, Clock.systemUTC());
        return pages::register;
    }

    /**
     * The configured key, or one derived from the payload key with HMAC-SHA256 under a label of its own:
     * stable across restarts and replicas without another secret to manage, and knowing it reveals nothing
     * about the payload key.
     */
    static byte[] linkKey(String configured, String payloadKeyBase64) {
        if (configured != null) {
            byte[] key = decode(configured, "channels.email.linkKey");
            if (key.length < DecisionLinks.MIN_KEY_BYTES) {
                throw new IllegalArgumentException("channels.email.linkKey must be at least " + DecisionLinks.MIN_KEY_BYTES
                        + " random bytes in base64 (generate one with: openssl rand -base64 32)");
            }
            return key;
        }
        byte[] payloadKey = decode(Objects.requireNonNull(payloadKeyBase64, "payloadKeyBase64"), "temporal.payloadKey");
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(payloadKey, "HmacSHA256"));
            return mac.doFinal(DERIVATION_LABEL.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 is not available", e);
        }
    }

    private static byte[] decode(String base64, String key) {
        String text = base64.strip();
        try {
            boolean urlSafe = text.indexOf('-') >= 0 || text.indexOf('_') >= 0;
            return (urlSafe ? Base64.getUrlDecoder() : Base64.getDecoder()).decode(text);
        } catch (IllegalArgumentException e) {
            // No cause and no excerpt: the decoder's message quotes a piece of the secret.
            throw new IllegalArgumentException(key + " is not base64 (standard or URL-safe)");
        }
    }
}
