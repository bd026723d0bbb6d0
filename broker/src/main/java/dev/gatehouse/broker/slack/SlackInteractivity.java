package dev.gatehouse.broker.slack;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.activities.channel.DecisionAttempt;
import dev.gatehouse.activities.channel.DecisionAttempts;
import dev.gatehouse.activities.channel.SlackReplayGuard;
import dev.gatehouse.notifier.ApprovalLinks;
import dev.gatehouse.notifier.slack.SlackChannel;
import dev.gatehouse.notifier.slack.SlackRequestSignature;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import org.jdbi.v3.core.ConnectionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Slack's interactivity request URL ({@code POST /slack/interactivity}): checks that Slack signed the request
 * and that it was not seen before, then answers 200 at once, because Slack shows the approver an error after
 * 3 seconds and a decision may take longer, and acts on it on a virtual thread. Every request turned away is
 * recorded; its 401 body is for the operator's logs, Slack shows nothing of it. Thread-safe.
 */
final class SlackInteractivity {

    private static final Logger log = LoggerFactory.getLogger(SlackInteractivity.class);

    private final SlackRequestSignature signature;
    private final SlackReplayGuard replayGuard;
    private final DecisionAttempts attempts;
    private final SlackDecisions decisions;
    private final ObjectMapper json;
    private final ExecutorService acting = Executors.newVirtualThreadPerTaskExecutor();

    SlackInteractivity(SlackRequestSignature signature, SlackReplayGuard replayGuard, DecisionAttempts attempts,
                       SlackDecisions decisions, ObjectMapper json) {
        this.signature = signature;
        this.replayGuard = replayGuard;
        this.attempts = attempts;
        this.decisions = decisions;
        this.json = json;
    }

    void register(RoutesConfig routes) {
        routes.post(ApprovalLinks.SLACK_INTERACTIVITY_PATH, this::receive);
    }

    private void receive(Context ctx) {
        try {
            accept(ctx);
        } catch (ConnectionException e) {
            // Without the replay guard nothing can be accepted safely; Slack shows the approver an error and they retry.
            log.warn("a Slack interaction was turned away: PostgreSQL cannot be reached ({})", e.getMessage());
            ctx.status(503).result("the replay guard (PostgreSQL) cannot be reached; retry shortly");
        }
    }

    private void accept(Context ctx) {
        byte[] body = ctx.bodyAsBytes();
        String signed = ctx.header(SlackRequestSignature.SIGNATURE_HEADER);
        switch (signature.verify(ctx.header(SlackRequestSignature.TIMESTAMP_HEADER), signed, body, Instant.now())) {
            case SlackRequestSignature.Valid valid -> {
            }
            case SlackRequestSignature.Missing missing -> {
                refuse(ctx, 401, "forged", "no " + missing.header() + " header");
                return;
            }
            case SlackRequestSignature.Forged forged -> {
                refuse(ctx, 401, "forged", forged.why());
                return;
            }
            case SlackRequestSignature.Stale stale -> {
                refuse(ctx, 401, "stale", "signed " + stale.age().toSeconds() + " s ago; Slack's requests are accepted for "
                        + SlackRequestSignature.WINDOW.toMinutes() + " minutes");
                return;
            }
            case SlackRequestSignature.FromTheFuture future -> {
                refuse(ctx, 401, "future", "signed for " + future.ahead().toSeconds() + " s from now; Slack's requests are"
                        + " accepted within " + SlackRequestSignature.WINDOW.toMinutes() + " minutes of the broker's clock");
                return;
            }
        }
        if (!replayGuard.firstSighting(signed.trim())) {
            refuse(ctx, 401, "replayed", "this signed request was accepted before");
            return;
        }
        SlackPayload payload;
        try {
            payload = SlackPayload.parse(json, body);
        } catch (MalformedPayload e) {
            refuse(ctx, 400, "malformed", e.getMessage());
            return;
        }
        ctx.status(200).result("");
        acting.execute(() -> decisions.handle(payload));
    }

    /** The approval id and user are not recorded: nothing in a request turned away can be trusted to name them. */
    private void refuse(Context ctx, int status, String outcome, String why) {
        log.warn("refused a Slack interaction ({}): {}", outcome, why);
        attempts.record(DecisionAttempt.now(SlackChannel.NAME, null, "unverified", "request", outcome, why));
        ctx.status(status).result(outcome + ": " + why);
    }
}
