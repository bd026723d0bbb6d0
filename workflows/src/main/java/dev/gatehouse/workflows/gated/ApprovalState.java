package dev.gatehouse.workflows.gated;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * Where one approval stands: answered by the {@code decide} update and the {@code state} query.
 *
 * @param eligibleGroups the groups that may decide now (the first ones plus every escalation step passed)
 */
public record ApprovalState(
        String approvalId,
        Outcome outcome,
        int required,
        List<Decision> decisions,
        List<String> eligibleGroups,
        Instant deadline) {

    public ApprovalState {
        Objects.requireNonNull(approvalId, "approvalId");
        Objects.requireNonNull(outcome, "outcome");
        decisions = List.copyOf(decisions);
        eligibleGroups = List.copyOf(eligibleGroups);
        Objects.requireNonNull(deadline, "deadline");
    }
}
