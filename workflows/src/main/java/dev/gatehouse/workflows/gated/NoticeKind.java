package dev.gatehouse.workflows.gated;

/** Why approvers are being notified. */
public enum NoticeKind {
    /** The call was just gated: the first approver groups. */
    REQUEST,
    /** Still waiting: the groups already asked. */
    REMINDER,
    /** An escalation step passed: its groups, which may decide from now on. */
    ESCALATION
}
