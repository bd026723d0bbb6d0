package dev.gatehouse.notifier;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * How a call that was announced ended, for the channels to show where they announced it.
 *
 * @param detail    why, in words for a person ("denied by bob@example.com: not during the freeze")
 * @param decisions every decision made on the call, in the order they were made
 */
public record Settlement(CallSummary call, Outcome outcome, String detail, List<DecisionSummary> decisions, Instant decidedAt) {

    /** The final state of a call. */
    public enum Outcome { APPROVED, DENIED, EXPIRED, CANCELLED }

    public Settlement {
        Objects.requireNonNull(call, "call");
        Objects.requireNonNull(outcome, "outcome");
        detail = detail == null ? "" : detail;
        decisions = List.copyOf(decisions);
        Objects.requireNonNull(decidedAt, "decidedAt");
    }
}
