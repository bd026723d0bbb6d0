package dev.gatehouse.notifier;

import java.util.List;
import java.util.Objects;

/**
 * One group to be told about one call, and why now.
 *
 * @param approvals how many approvals the call has so far (of {@code call.required()})
 * @param earlier   the handles this channel returned for the call's earlier announcements, oldest first:
 *                  a reminder or an escalation may be a reply to one of them rather than a new message
 */
public record Announcement(CallSummary call, Kind kind, NotifiedGroup group, int approvals, List<String> earlier) {

    /** Why the group is told. */
    public enum Kind {
        /** The call was just gated: the first approver groups. */
        REQUEST,
        /** Still waiting: a group asked before. */
        REMINDER,
        /** An escalation step passed: the group may decide from now on. */
        ESCALATION
    }

    public Announcement {
        Objects.requireNonNull(call, "call");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(group, "group");
        if (approvals < 0) {
            throw new IllegalArgumentException("approvals cannot be negative");
        }
        earlier = earlier == null ? List.of() : List.copyOf(earlier);
    }

    /** A first announcement: no approvals yet, nothing announced before. */
    public Announcement(CallSummary call, Kind kind, NotifiedGroup group) {
        this(call, kind, group, 0, List.of());
    }
}
