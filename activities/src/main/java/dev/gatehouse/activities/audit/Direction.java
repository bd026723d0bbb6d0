package dev.gatehouse.activities.audit;

import java.util.Locale;

/** Which way a recorded event went. */
public enum Direction {
    /** From the caller towards the upstream. */
    CLIENT,
    /** From the upstream back to the caller. */
    UPSTREAM,
    /** The broker's own doing: a policy decision, a refusal, a session starting or ending. */
    BROKER;

    public String dbName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Direction fromDbName(String name) {
        return valueOf(name.toUpperCase(Locale.ROOT));
    }
}
