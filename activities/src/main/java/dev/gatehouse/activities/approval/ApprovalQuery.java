package dev.gatehouse.activities.approval;

import java.util.List;
import java.util.Optional;

/**
 * Which approvals to list, newest first; every present part must match.
 *
 * @param status        one of {@link ApprovalRecord#STATUSES}
 * @param visibleTo     only approvals that one of these groups may decide (the viewer's groups). Present
 *                      but empty matches nothing: a viewer in no group sees no approval, never all of them
 * @param requester     the requester's subject
 * @param limit         1 to {@value #MAX_LIMIT}
 */
public record ApprovalQuery(Optional<String> status, Optional<List<String>> visibleTo, Optional<String> requester, int limit) {

    public static final int DEFAULT_LIMIT = 50;
    public static final int MAX_LIMIT = 500;

    public ApprovalQuery {
        status = status == null ? Optional.empty() : status;
        status.ifPresent(s -> {
            if (!ApprovalRecord.STATUSES.contains(s)) {
                throw new IllegalArgumentException("status must be one of " + ApprovalRecord.STATUSES + ", not '" + s + "'");
            }
        });
        visibleTo = visibleTo == null ? Optional.empty() : visibleTo.map(List::copyOf);
        requester = requester == null ? Optional.empty() : requester;
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new IllegalArgumentException("limit must be between 1 and " + MAX_LIMIT + ", not " + limit);
        }
    }

    /** Every approval, newest first, {@value #DEFAULT_LIMIT} at most. */
    public static ApprovalQuery all() {
        return new ApprovalQuery(Optional.empty(), Optional.empty(), Optional.empty(), DEFAULT_LIMIT);
    }

    public ApprovalQuery withStatus(String value) {
        return new ApprovalQuery(Optional.of(value), visibleTo, requester, limit);
    }

    public ApprovalQuery visibleToGroups(List<String> groups) {
        return new ApprovalQuery(status, Optional.of(groups), requester, limit);
    }

    public ApprovalQuery withRequester(String value) {
        return new ApprovalQuery(status, visibleTo, Optional.of(value), limit);
    }

    public ApprovalQuery withLimit(int value) {
        return new ApprovalQuery(status, visibleTo, requester, value);
    }
}
