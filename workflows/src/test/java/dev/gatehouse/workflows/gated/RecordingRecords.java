package dev.gatehouse.workflows.gated;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The audit store's stand-in at the process boundary: keeps what the workflow asked to record, in
 * order. Thread-safe, since activities run on the worker's threads and the test reads on its own.
 */
final class RecordingRecords implements ApprovalRecordActivities {

    final List<Instant> pendingDeadlines = new CopyOnWriteArrayList<>();
    final List<Decision> decisions = new CopyOnWriteArrayList<>();
    final List<GatedCallResult> outcomes = new CopyOnWriteArrayList<>();
    /** Closed by a test that needs the workflow to stand between its outcome and recording it. */
    final Hold outcomeHold = new Hold();

    @Override
    public void recordPending(GatedCall call, Instant deadline) {
        pendingDeadlines.add(deadline);
    }

    @Override
    public void recordDecision(String approvalId, Decision decision) {
        decisions.add(decision);
    }

    @Override
    public void recordOutcome(GatedCall call, GatedCallResult result) {
        outcomeHold.pass();
        outcomes.add(result);
    }

    Instant deadline() {
        return pendingDeadlines.getFirst();
    }
}
