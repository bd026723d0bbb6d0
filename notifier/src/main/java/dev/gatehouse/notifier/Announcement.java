package dev.gatehouse.notifier;

import java.util.Objects;

/** One group to be told about one call, and why now. */
public record Announcement(CallSummary call, Kind kind, NotifiedGroup group) {

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
    }
}
