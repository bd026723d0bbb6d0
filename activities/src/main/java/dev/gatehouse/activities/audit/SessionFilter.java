package dev.gatehouse.activities.audit;

import java.time.Instant;
import java.util.Optional;
import java.util.Set;

/**
 * Which sessions to list; every present part must match. Values are exact: {@code caller} is a
 * subject or a (verified) e-mail, {@code group}, {@code tool} and {@code outcome} must be among the
 * session's, {@code from} (inclusive) and {@code to} (exclusive) bound its start.
 */
public record SessionFilter(Optional<String> caller, Optional<String> group, Optional<String> upstream, Optional<String> tool,
                            Optional<String> outcome, Optional<Instant> from, Optional<Instant> to) {

    /** The outcomes the broker records on sessions; a new one must be added here to be filterable. */
    public static final Set<String> OUTCOMES = Set.of("allowed", "denied", "refused", "error", "approval-required",
            "insufficient-scope", "fail-open",
            // how approvals ended (the approval's outcome event) and how held calls were refused
            "approved", "expired", "cancelled", "approval-denied", "approval-expired", "approval-limit", "approval-unavailable");

    public SessionFilter {
        caller = nonBlank(caller, "caller");
        group = nonBlank(group, "group");
        upstream = nonBlank(upstream, "upstream");
        tool = nonBlank(tool, "tool");
        outcome = nonBlank(outcome, "outcome");
        from = from == null ? Optional.empty() : from;
        to = to == null ? Optional.empty() : to;
        outcome.ifPresent(o -> {
            if (!OUTCOMES.contains(o)) {
                throw new IllegalArgumentException("outcome must be one of " + new java.util.TreeSet<>(OUTCOMES) + ", not '" + o + "'");
            }
        });
        if (from.isPresent() && to.isPresent() && !from.get().isBefore(to.get())) {
            throw new IllegalArgumentException("from (" + from.get() + ") must be before to (" + to.get() + ")");
        }
    }

    public static SessionFilter all() {
        return new SessionFilter(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty());
    }

    public SessionFilter withCaller(String value) {
        return new SessionFilter(Optional.of(value), group, upstream, tool, outcome, from, to);
    }

    public SessionFilter withGroup(String value) {
        return new SessionFilter(caller, Optional.of(value), upstream, tool, outcome, from, to);
    }

    public SessionFilter withUpstream(String value) {
        return new SessionFilter(caller, group, Optional.of(value), tool, outcome, from, to);
    }

    public SessionFilter withTool(String value) {
        return new SessionFilter(caller, group, upstream, Optional.of(value), outcome, from, to);
    }

    public SessionFilter withOutcome(String value) {
        return new SessionFilter(caller, group, upstream, tool, Optional.of(value), from, to);
    }

    public SessionFilter withFrom(Instant value) {
        return new SessionFilter(caller, group, upstream, tool, outcome, Optional.of(value), to);
    }

    public SessionFilter withTo(Instant value) {
        return new SessionFilter(caller, group, upstream, tool, outcome, from, Optional.of(value));
    }

    private static Optional<String> nonBlank(Optional<String> value, String name) {
        if (value == null) {
            return Optional.empty();
        }
        if (value.isPresent() && value.get().isBlank()) {
            throw new IllegalArgumentException(name + " cannot be blank");
        }
        return value;
    }
}
