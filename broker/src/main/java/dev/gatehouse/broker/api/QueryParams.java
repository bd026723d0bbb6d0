package dev.gatehouse.broker.api;

import dev.gatehouse.activities.audit.AuditQueries;
import dev.gatehouse.activities.audit.Cursor;
import dev.gatehouse.activities.audit.SessionFilter;
import io.javalin.http.Context;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/** Reads and checks the API's query parameters; a bad one is a 400 that names it. */
final class QueryParams {

    static final Set<String> FILTERS = Set.of("caller", "group", "upstream", "tool", "outcome", "from", "to");

    private final Context ctx;

    QueryParams(Context ctx, Set<String> known) {
        this.ctx = ctx;
        for (Map.Entry<String, List<String>> param : ctx.queryParamMap().entrySet()) {
            if (!known.contains(param.getKey())) {
                throw bad("unknown query parameter '" + param.getKey() + "' (known: " + String.join(", ", new TreeSet<>(known)) + ")");
            }
            if (param.getValue().size() > 1) {
                throw bad("query parameter '" + param.getKey() + "' is given more than once");
            }
        }
    }

    SessionFilter filter() {
        try {
            return new SessionFilter(text("caller"), text("group"), text("upstream"), text("tool"), text("outcome"),
                    instant("from"), instant("to"));
        } catch (IllegalArgumentException e) {
            throw bad(e.getMessage());
        }
    }

    Optional<Cursor> cursor() {
        try {
            return text("cursor").map(Cursor::parse);
        } catch (IllegalArgumentException e) {
            throw bad(e.getMessage());
        }
    }

    int limit() {
        Optional<String> value = text("limit");
        if (value.isEmpty()) {
            return AuditQueries.DEFAULT_LIMIT;
        }
        try {
            int limit = Integer.parseInt(value.get());
            if (limit >= 1 && limit <= AuditQueries.MAX_LIMIT) {
                return limit;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw bad("limit must be a whole number from 1 to " + AuditQueries.MAX_LIMIT + ", not '" + value.get() + "'");
    }

    long after() {
        Optional<String> value = text("after");
        if (value.isEmpty()) {
            return 0;
        }
        try {
            long after = Long.parseLong(value.get());
            if (after >= 0) {
                return after;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw bad("after must be a sequence number (0 or more), not '" + value.get() + "'");
    }

    private Optional<String> text(String name) {
        return Optional.ofNullable(ctx.queryParam(name));
    }

    /** An ISO-8601 instant ({@code 2025-01-31T12:00:00Z}) or a date, meaning its start in UTC. */
    private Optional<Instant> instant(String name) {
        Optional<String> value = text(name);
        if (value.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Instant.parse(value.get()));
        } catch (DateTimeParseException e) {
            try {
                return Optional.of(LocalDate.parse(value.get()).atStartOfDay(ZoneOffset.UTC).toInstant());
            } catch (DateTimeParseException e2) {
                throw bad(name + " must be an ISO-8601 instant such as 2025-01-31T12:00:00Z, or a date such as 2025-01-31; not '"
                        + value.get() + "'");
            }
        }
    }

    static ApiRefusal bad(String message) {
        return new ApiRefusal(ApiRefusal.Reason.BAD_REQUEST, message);
    }
}
