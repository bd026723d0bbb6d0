package dev.gatehouse.workflows.gated;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * How a gated call ended: the workflow's result.
 *
 * @param detail    why, in words a caller can act on ("denied by bob@example.com: not during the freeze",
 *                  "no decision within 30m")
 * @param forwarded what the upstream answered; null unless the outcome is {@code APPROVED}
 */
public record GatedCallResult(
        String approvalId,
        Outcome outcome,
        List<Decision> decisions,
        String detail,
        ForwardResult forwarded,
        Instant decidedAt) {

    public GatedCallResult {
        Objects.requireNonNull(approvalId, "approvalId");
        Objects.requireNonNull(outcome, "outcome");
        if (!outcome.isFinal()) {
            throw new IllegalArgumentException("a result has a final outcome");
        }
        decisions = List.copyOf(decisions);
        detail = detail == null ? "" : detail;
        if ((outcome == Outcome.APPROVED) != (forwarded != null)) {
            throw new IllegalArgumentException("an approved call, and only one, carries what forwarding it produced");
        }
        Objects.requireNonNull(decidedAt, "decidedAt");
    }
}
