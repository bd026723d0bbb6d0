package dev.gatehouse.notifier;

import java.time.Instant;
import java.util.Objects;

/**
 * One approver's decision as channels show it.
 *
 * @param decider the approver's e-mail when known, else their subject
 * @param reason  free text, may be empty
 * @param channel where it was made: {@code web}, {@code api}, {@code slack} or {@code email}
 */
public record DecisionSummary(String decider, Verdict verdict, String reason, String channel, Instant at) {

    public enum Verdict { APPROVE, DENY }

    public DecisionSummary {
        Objects.requireNonNull(decider, "decider");
        Objects.requireNonNull(verdict, "verdict");
        reason = reason == null ? "" : reason;
        Objects.requireNonNull(channel, "channel");
        Objects.requireNonNull(at, "at");
    }
}
