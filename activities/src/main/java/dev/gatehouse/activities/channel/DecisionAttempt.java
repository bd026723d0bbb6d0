package dev.gatehouse.activities.channel;

import java.time.Instant;
import java.util.Objects;

/**
 * A decision offered through Slack or an e-mailed link, or a request such a channel refused before it
 * could tell what it asked (a forged signature), as the decision-attempt log keeps it.
 *
 * @param approvalId null when the request did not say (or could not be trusted to)
 * @param actor      the Slack user id (with the e-mail once known), or the link's address
 * @param action     {@code approve}, {@code deny}, {@code open} (a link's confirmation page) or {@code request}
 * @param outcome    {@code decided}, or why not: {@code refused}, {@code forged}, {@code stale}, {@code replayed},
 *                   {@code unknown-user}, {@code used}, {@code expired}, {@code tampered}, {@code foreign}, ...
 */
public record DecisionAttempt(Instant at, String channel, String approvalId, String actor, String action, String outcome,
                              String detail) {

    public DecisionAttempt {
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(channel, "channel");
        Objects.requireNonNull(actor, "actor");
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(outcome, "outcome");
        detail = detail == null ? "" : detail;
    }

    public static DecisionAttempt now(String channel, String approvalId, String actor, String action, String outcome,
                                      String detail) {
        return new DecisionAttempt(Instant.now(), channel, approvalId, actor, action, outcome, detail);
    }
}
