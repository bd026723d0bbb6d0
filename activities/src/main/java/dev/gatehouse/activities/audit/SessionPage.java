package dev.gatehouse.activities.audit;

import java.util.List;
import java.util.Optional;

/** One page of sessions, newest first, and where the next page starts (empty on the last page). */
public record SessionPage(List<SessionSummary> sessions, Optional<Cursor> next) {

    public SessionPage {
        sessions = List.copyOf(sessions);
        next = next == null ? Optional.empty() : next;
    }
}
