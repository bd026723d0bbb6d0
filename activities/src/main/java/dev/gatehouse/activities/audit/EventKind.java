package dev.gatehouse.activities.audit;

import java.util.Locale;

/** What a recorded event is. */
public enum EventKind {
    /** One MCP message, as it crossed the broker (masked). */
    MESSAGE,
    /** A policy decision on a call. */
    DECISION,
    /** The broker refused a request; the payload says why. */
    REFUSAL,
    SESSION_START,
    SESSION_END,
    /** A step in the life of an approval-gated call: pending, a decision, the outcome. */
    APPROVAL,
    /** Anything else worth keeping in the chain, e.g. that events were written late after an outage. */
    NOTE;

    public String dbName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public static EventKind fromDbName(String name) {
        return valueOf(name.toUpperCase(Locale.ROOT).replace('-', '_'));
    }
}
