package dev.gatehouse.activities.audit;

/** PostgreSQL refused one event for what it holds (not for being down); the others of its batch were written. */
public final class AuditRejectedException extends RuntimeException {
    public AuditRejectedException(String message, Throwable cause) {
        super(message, cause);
    }
}
