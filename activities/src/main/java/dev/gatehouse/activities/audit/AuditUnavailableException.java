package dev.gatehouse.activities.audit;

/** The audit store cannot take events now (PostgreSQL is down or unreachable); calls that need a record must not proceed. */
public final class AuditUnavailableException extends RuntimeException {
    public AuditUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
