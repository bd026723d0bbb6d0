package dev.gatehouse.broker.metrics;

import dev.gatehouse.activities.approval.ApprovalStore;

/**
 * The pending-approvals gauge: a count in PostgreSQL (so every replica reports the same), asked at
 * most once per few seconds however often Prometheus scrapes, and reported as the last known
 * value (or -1 before any) while PostgreSQL cannot be reached. Thread-safe.
 */
public final class PendingApprovals {

    private static final long KEEP_NANOS = 5_000_000_000L;

    private final ApprovalStore store;
    private volatile long value = -1;
    private volatile long readAt;

    public PendingApprovals(ApprovalStore store) {
        this.store = store;
    }

    public Number count() {
        long now = System.nanoTime();
        if (readAt == 0 || now - readAt > KEEP_NANOS) {
            try {
                value = store.countPending();
            } catch (RuntimeException unreachable) {
                // Keep the last value: the audit store's own gauge says PostgreSQL is away.
            }
            readAt = now;
        }
        return value;
    }
}
