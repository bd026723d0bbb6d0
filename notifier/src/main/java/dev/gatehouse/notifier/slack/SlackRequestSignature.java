package dev.gatehouse.notifier.slack;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Objects;

/**
 * Checks that a request came from Slack: {@code X-Slack-Signature} must be {@code v0=} and the hex
 * HMAC-SHA256, keyed with the app's signing secret, of {@code v0:<X-Slack-Request-Timestamp>:<raw body>}
 * (https://api.slack.com/authentication/verifying-requests-from-slack), and the timestamp within five
 * minutes of now in either direction. Thread-safe.
 */
public final class SlackRequestSignature {

    public static final String TIMESTAMP_HEADER = "X-Slack-Request-Timestamp";
    public static final String SIGNATURE_HEADER = "X-Slack-Signature";
    /** How far a timestamp may be from now, either way: beyond it a captured request is stale, or the clock is off. */
    public static final Duration WINDOW = Duration.ofMinutes(5);

    private final SecretKeySpec key;

    public SlackRequestSignature(String signingSecret) {
        Objects.requireNonNull(signingSecret, "signingSecret");
        if (signingSecret.isBlank()) {
            throw new IllegalArgumentException("the Slack signing secret cannot be blank");
        }
        this.key = new SecretKeySpec(signingSecret.getBytes(StandardCharsets.UTF_8), "HmacSHA256");
    }

    /** What the check found; only {@link Valid} lets a request through. */
    public sealed interface Result permits Valid, Missing, Forged, Stale, FromTheFuture {
    }

    public record Valid() implements Result {
    }

    /** A header is absent or empty. */
    public record Missing(String header) implements Result {
    }

    /** The signature is malformed or does not match the body and timestamp. */
    public record Forged(String why) implements Result {
    }

    /** Signed correctly, but longer ago than {@link #WINDOW}: a replay of a captured request, or a very late one. */
    public record Stale(Duration age) implements Result {
    }

    /** Signed correctly, but for a time more than {@link #WINDOW} ahead: a request prepared for a later replay, or a bad clock. */
    public record FromTheFuture(Duration ahead) implements Result {
    }

    /**
     * @param rawBody the body exactly as received: any re-encoding (form decoding, charset) breaks the signature
     */
    public Result verify(String timestamp, String signature, byte[] rawBody, Instant now) {
        if (timestamp == null || timestamp.isBlank()) {
            return new Missing(TIMESTAMP_HEADER);
        }
        if (signature == null || signature.isBlank()) {
            return new Missing(SIGNATURE_HEADER);
        }
        long seconds;
        try {
            seconds = Long.parseLong(timestamp.trim());
        } catch (NumberFormatException e) {
            return new Forged("the timestamp is not a number of seconds");
        }
        byte[] expected = ("v0=" + HexFormat.of().formatHex(mac(timestamp.trim(), rawBody))).getBytes(StandardCharsets.US_ASCII);
        // Constant time: how much of a guess matched must not show in how long the answer takes.
        if (!MessageDigest.isEqual(expected, signature.trim().getBytes(StandardCharsets.US_ASCII))) {
            return new Forged("the signature does not match the request");
        }
        Duration offset = Duration.between(Instant.ofEpochSecond(seconds), now);
        if (offset.compareTo(WINDOW) > 0) {
            return new Stale(offset);
        }
        if (offset.negated().compareTo(WINDOW) > 0) {
            return new FromTheFuture(offset.negated());
        }
        return new Valid();
    }

    private byte[] mac(String timestamp, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            mac.update(("v0:" + timestamp + ":").getBytes(StandardCharsets.UTF_8));
            return mac.doFinal(body);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }
}
