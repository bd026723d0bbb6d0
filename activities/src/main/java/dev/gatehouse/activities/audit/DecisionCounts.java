package dev.gatehouse.activities.audit;

import java.time.Instant;

/**
 * How the policy decided on calls since a moment, across every broker: what the overview shows.
 *
 * @param calls            every decided call
 * @param approvalRequired calls sent to approvers
 * @param pendingApprovals approvals still waiting now
 */
public record DecisionCounts(Instant since, long calls, long allowed, long denied, long approvalRequired, long pendingApprovals) {
}
