package dev.gatehouse.workflows.gated;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * How a call ended, for the approvers' notices: the outcome without what the upstream answered (which
 * approvers are not shown, and which could be large), and the notices the workflow knows were delivered.
 */
public record NoticeSettlement(GatedCall call, Outcome outcome, List<Decision> decisions, String detail, Instant decidedAt,
                               List<Notification> notifications) {

    public NoticeSettlement {
        Objects.requireNonNull(call, "call");
        Objects.requireNonNull(outcome, "outcome");
        if (!outcome.isFinal()) {
            throw new IllegalArgumentException("a settlement has a final outcome");
        }
        decisions = List.copyOf(decisions);
        detail = detail == null ? "" : detail;
        Objects.requireNonNull(decidedAt, "decidedAt");
        notifications = List.copyOf(notifications);
    }

    public static NoticeSettlement of(GatedCall call, GatedCallResult result, List<Notification> notifications) {
        return new NoticeSettlement(call, result.outcome(), result.decisions(), result.detail(), result.decidedAt(),
                notifications);
    }
}
