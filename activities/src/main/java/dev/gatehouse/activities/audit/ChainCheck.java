package dev.gatehouse.activities.audit;

import java.util.Objects;

/** What verifying hash chains found: every link intact, or the first broken one. */
public sealed interface ChainCheck {

    /** How a chain is broken, as far as the rows let it be told. */
    enum Problem {
        /** The row is in its place and links to its predecessor, but its content (or hash) is not what was hashed. */
        EDITED,
        /** A sequence number is missing, or the row does not link to its predecessor and no row elsewhere does: rows were deleted. */
        MISSING,
        /** The row that links to the predecessor exists, at another sequence number: rows were moved or swapped. */
        REORDERED,
        /** Every row links, but the session's event_count/head_hash name a different last event: trailing rows were deleted (or added). */
        HEAD_MISMATCH,
        /** No such session is recorded (or an export's event names a session it has no line for). */
        UNKNOWN_SESSION
    }

    /** Every chain checked links from its first event to the head its session row names. */
    record Intact(long sessionsChecked, long eventsChecked) implements ChainCheck {
    }

    /**
     * The first broken link found.
     *
     * @param seq    the sequence number where the chain stops being what was written (for
     *               {@link Problem#HEAD_MISMATCH}, the first seq the head and the rows disagree on)
     * @param detail what exactly differs, for a person
     */
    record Broken(String sessionId, long seq, Problem problem, String detail) implements ChainCheck {
        public Broken {
            Objects.requireNonNull(sessionId, "sessionId");
            Objects.requireNonNull(problem, "problem");
            Objects.requireNonNull(detail, "detail");
        }
    }

    default boolean intact() {
        return this instanceof Intact;
    }
}
