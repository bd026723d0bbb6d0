package dev.gatehouse.workflows.gated;

/** What one approver says about a call. */
public enum Verdict {
    APPROVE,
    DENY
}
