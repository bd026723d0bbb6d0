package dev.gatehouse.workflows.gated;

import java.util.Objects;

/**
 * A decision offered to a waiting call: the update's argument.
 *
 * @param channel where it was made: {@code web}, {@code api}, {@code slack} or {@code email}
 * @param reason  free text, may be empty
 */
public record DecisionRequest(Person decider, Verdict verdict, String reason, String channel) {

    public DecisionRequest {
        Objects.requireNonNull(decider, "decider");
        Objects.requireNonNull(verdict, "verdict");
        reason = reason == null ? "" : reason;
        Objects.requireNonNull(channel, "channel");
    }
}
