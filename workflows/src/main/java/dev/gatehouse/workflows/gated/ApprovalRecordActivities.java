package dev.gatehouse.workflows.gated;

import io.temporal.activity.ActivityInterface;

import java.time.Instant;

/**
 * Writes an approval's life into the audit store (PostgreSQL): the approval row, each decision,
 * and the events in the caller's session chain. Every method is idempotent by approval id (and
 * decider), so a retried activity writes nothing twice.
 */
@ActivityInterface
public interface ApprovalRecordActivities {

    /** Step 1: the approval exists and is pending until {@code deadline}. */
    void recordPending(GatedCall call, Instant deadline);

    /** A decision the workflow accepted. */
    void recordDecision(String approvalId, Decision decision);

    /** The outcome, the decisions that made it and, when forwarded, the upstream's (masked) answer. */
    void recordOutcome(GatedCall call, GatedCallResult result);
}
