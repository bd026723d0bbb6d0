package dev.gatehouse.notifier.slack;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SlackRequestSignatureTest {

    private static final String SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
    private static final Instant NOW = Instant.parse("2025-03-01T10:00:00Z");
    private static final String TS = String.valueOf(NOW.getEpochSecond());
    private static final String BODY = "payload=%7B%22type%22%3A%22block_actions%22%7D";

    private final SlackRequestSignature signature = new SlackRequestSignature(SECRET);

    @Test
    void acceptsWhatSlackSigned() {
        assertThat(verify(TS, sign(SECRET, TS, BODY), BODY, NOW)).isEqualTo(new SlackRequestSignature.Valid());
    }

    @Test
    void matchesSlacksDocumentedExample() {
        // https://api.slack.com/authentication/verifying-requests-from-slack
        String body = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V"
                + "&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text="
                + "&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN"
                + "&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
        String ts = "1531420618";

        assertThat(new SlackRequestSignature("8f742231b10e8888abcd99yyyzzz85a5").verify(ts,
                "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503", body.getBytes(StandardCharsets.UTF_8),
                Instant.ofEpochSecond(1531420618 + 10))).isEqualTo(new SlackRequestSignature.Valid());
    }

    @Test
    void refusesASignatureMadeWithAnotherSecret() {
        assertThat(verify(TS, sign("another-secret", TS, BODY), BODY, NOW))
                .isEqualTo(new SlackRequestSignature.Forged("the signature does not match the request"));
    }

    @Test
    void refusesABodyChangedAfterSigning() {
        assertThat(verify(TS, sign(SECRET, TS, BODY), BODY + "&extra=1", NOW))
                .isInstanceOf(SlackRequestSignature.Forged.class);
    }

    @Test
    void refusesATimestampChangedAfterSigning() {
        String later = String.valueOf(NOW.getEpochSecond() + 1);
        assertThat(verify(later, sign(SECRET, TS, BODY), BODY, NOW)).isInstanceOf(SlackRequestSignature.Forged.class);
    }

    @Test
    void refusesATimestampThatIsNotANumber() {
        assertThat(verify("yesterday", sign(SECRET, "yesterday", BODY), BODY, NOW))
                .isEqualTo(new SlackRequestSignature.Forged("the timestamp is not a number of seconds"));
    }

    @Test
    void refusesAStaleRequestSignedCorrectly() {
        Instant sixMinutesLater = NOW.plus(Duration.ofMinutes(6));
        assertThat(verify(TS, sign(SECRET, TS, BODY), BODY, sixMinutesLater))
                .isEqualTo(new SlackRequestSignature.Stale(Duration.ofMinutes(6)));
    }

    @Test
    void refusesARequestFromTheFutureSignedCorrectly() {
        Instant sixMinutesEarlier = NOW.minus(Duration.ofMinutes(6));
        assertThat(verify(TS, sign(SECRET, TS, BODY), BODY, sixMinutesEarlier))
                .isEqualTo(new SlackRequestSignature.FromTheFuture(Duration.ofMinutes(6)));
    }

    @Test
    void acceptsTheEdgesOfTheWindowBothWays() {
        String sig = sign(SECRET, TS, BODY);
        assertThat(verify(TS, sig, BODY, NOW.plus(SlackRequestSignature.WINDOW))).isEqualTo(new SlackRequestSignature.Valid());
        assertThat(verify(TS, sig, BODY, NOW.minus(SlackRequestSignature.WINDOW))).isEqualTo(new SlackRequestSignature.Valid());
    }

    @Test
    void namesAMissingHeader() {
        assertThat(verify(null, sign(SECRET, TS, BODY), BODY, NOW))
                .isEqualTo(new SlackRequestSignature.Missing("X-Slack-Request-Timestamp"));
        assertThat(verify(TS, "", BODY, NOW)).isEqualTo(new SlackRequestSignature.Missing("X-Slack-Signature"));
    }

    @Test
    void refusesABlankSecret() {
        assertThatThrownBy(() -> new SlackRequestSignature(" "))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the Slack signing secret cannot be blank");
    }

    private SlackRequestSignature.Result verify(String ts, String sig, String body, Instant now) {
        return signature.verify(ts, sig, body.getBytes(StandardCharsets.UTF_8), now);
    }

    private static String sign(String secret, String ts, String body) {
        return SlackInteractivityClient.signature(secret, ts, body);
    }
}
