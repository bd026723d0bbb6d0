package dev.gatehouse.activities.database;

/** PostgreSQL cannot be reached or used; the message names the database, never its password. */
public final class DatabaseUnavailableException extends RuntimeException {
    public DatabaseUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
