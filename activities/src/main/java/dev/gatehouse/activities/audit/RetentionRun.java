package dev.gatehouse.activities.audit;

import java.time.Instant;
import java.util.Objects;

/**
 * One retention run as recorded in {@code audit_retention_run}: sessions whose last activity was
 * before {@code cutoff} were deleted with their events.
 */
public record RetentionRun(long id, Instant ranAt, String ranBy, Instant cutoff, long sessionsDeleted, long eventsDeleted) {

    public RetentionRun {
        Objects.requireNonNull(ranAt, "ranAt");
        Objects.requireNonNull(ranBy, "ranBy");
        Objects.requireNonNull(cutoff, "cutoff");
    }
}
