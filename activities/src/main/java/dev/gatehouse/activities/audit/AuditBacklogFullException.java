package dev.gatehouse.activities.audit;

/** The audit writer's queue is full: PostgreSQL is not keeping up. The caller should retry later. */
public final class AuditBacklogFullException extends RuntimeException {
    public AuditBacklogFullException(String message) {
        super(message);
    }
}
