package dev.gatehouse.activities.audit;

import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.Query;

import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Reads the audit record: sessions by filter, newest first, with keyset pagination; one session's
 * events in chain order. Thread-safe (each call takes its own connection).
 *
 * <p>Every listing query walks an index in {@code (started_at desc, id desc)} order and stops after
 * one page, so a page costs the same at any depth and at any table size: a caller filter walks its
 * own index (subject and e-mail each, merged), upstream walks its own, and group/tool/outcome are
 * either filtered along the walk or, when rare, fetched from their GIN index and sorted — the
 * planner picks by their statistics.
 */
public final class AuditQueries {

    public static final int DEFAULT_LIMIT = 50;
    public static final int MAX_LIMIT = 500;
    /** Events read per round trip when streaming a whole session. */
    static final int EVENT_PAGE = 1_000;

    static final String SESSION_COLUMNS = """
            id, upstream, caller_issuer, caller_subject, caller_email, caller_groups, client_name, client_version,
            protocol_version, started_at, ended_at, end_reason, event_count, head_hash, last_event_at, tools, outcomes""";

    static final String EVENT_COLUMNS = """
            session_id, seq, at, direction, kind, method, jsonrpc_id, target, outcome, payload::text as payload, size,
            masked::text as masked, fail_open, prev_hash, hash""";

    private static final HexFormat HEX = HexFormat.of();

    private final Jdbi jdbi;

    public AuditQueries(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /**
     * One page of the sessions matching {@code filter}, newest first, starting after {@code after}.
     *
     * @param limit 1 to {@value #MAX_LIMIT}
     */
    public SessionPage sessions(SessionFilter filter, Optional<Cursor> after, int limit) {
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new IllegalArgumentException("limit must be between 1 and " + MAX_LIMIT + ", not " + limit);
        }
        Map<String, Object> binds = new LinkedHashMap<>();
        List<String> where = new ArrayList<>();
        filter.group().ifPresent(g -> {
            where.add("caller_groups @> array[:group]::text[]");
            binds.put("group", g);
        });
        filter.upstream().ifPresent(u -> {
            where.add("upstream = :upstream");
            binds.put("upstream", u);
        });
        filter.tool().ifPresent(t -> {
            where.add("tools @> array[:tool]::text[]");
            binds.put("tool", t);
        });
        filter.outcome().ifPresent(o -> {
            where.add("outcomes @> array[:outcome]::text[]");
            binds.put("outcome", o);
        });
        filter.from().ifPresent(f -> {
            where.add("started_at >= cast(:from as timestamptz)");
            binds.put("from", f.toString());
        });
        filter.to().ifPresent(t -> {
            where.add("started_at < cast(:to as timestamptz)");
            binds.put("to", t.toString());
        });
        after.ifPresent(c -> {
            // A row comparison the (…, started_at desc, id desc) indexes answer as a range, not a filter.
            where.add("(started_at, id) < (cast(:afterAt as timestamptz), :afterId)");
            binds.put("afterAt", c.startedAt().toString());
            binds.put("afterId", c.sessionId());
        });
        binds.put("limit", limit + 1);
        String order = " order by started_at desc, id desc limit :limit";
        String sql;
        if (filter.caller().isPresent()) {
            binds.put("caller", filter.caller().get());
            // An OR across the two columns could use neither index's order; two index walks merged can.
            sql = "select " + SESSION_COLUMNS + " from ("
                    + "(select " + SESSION_COLUMNS + " from audit_session where " + and(where, "caller_subject = :caller") + order + ")"
                    + " union "
                    + "(select " + SESSION_COLUMNS + " from audit_session where " + and(where, "caller_email = :caller") + order + ")"
                    + ") s" + order;
        } else {
            sql = "select " + SESSION_COLUMNS + " from audit_session" + (where.isEmpty() ? "" : " where " + String.join(" and ", where))
                    + order;
        }
        List<SessionSummary> rows = jdbi.withHandle(h -> {
            Query query = h.createQuery(sql);
            binds.forEach(query::bind);
            return query.map((rs, ctx) -> session(rs)).list();
        });
        if (rows.size() <= limit) {
            return new SessionPage(rows, Optional.empty());
        }
        List<SessionSummary> page = rows.subList(0, limit);
        return new SessionPage(page, Optional.of(Cursor.after(page.getLast())));
    }

    private static String and(List<String> where, String condition) {
        List<String> all = new ArrayList<>(where);
        all.add(condition);
        return String.join(" and ", all);
    }

    /** The policy's decisions since {@code since} (index {@code audit_event_decision_at}) and the approvals waiting now. */
    public DecisionCounts decisionCounts(Instant since) {
        return jdbi.withHandle(h -> h.createQuery("""
                        select count(*) as calls,
                               count(*) filter (where outcome = 'allowed') as allowed,
                               count(*) filter (where outcome = 'denied') as denied,
                               count(*) filter (where outcome = 'approval-required') as approval_required,
                               (select count(*) from audit_approval where status = 'pending') as pending
                        from audit_event where kind = 'decision' and at >= :since""")
                .bind("since", java.sql.Timestamp.from(since))
                .map((rs, ctx) -> new DecisionCounts(since, rs.getLong("calls"), rs.getLong("allowed"), rs.getLong("denied"),
                        rs.getLong("approval_required"), rs.getLong("pending")))
                .one());
    }

    public Optional<SessionSummary> session(String sessionId) {
        return jdbi.withHandle(h -> session(h, sessionId));
    }

    static Optional<SessionSummary> session(Handle h, String sessionId) {
        return h.createQuery("select " + SESSION_COLUMNS + " from audit_session where id = :id")
                .bind("id", sessionId)
                .map((rs, ctx) -> session(rs))
                .findOne();
    }

    /**
     * Up to {@code limit} events of a session with {@code seq > afterSeq}, in chain order; empty for
     * an unknown session (ask {@link #session} to tell the two apart).
     */
    public List<StoredEvent> events(String sessionId, long afterSeq, int limit) {
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new IllegalArgumentException("limit must be between 1 and " + MAX_LIMIT + ", not " + limit);
        }
        if (afterSeq < 0) {
            throw new IllegalArgumentException("after must be 0 or more, not " + afterSeq);
        }
        return jdbi.withHandle(h -> eventPage(h, sessionId, afterSeq, Long.MAX_VALUE, limit));
    }

    /** Every event of a session in chain order, one page in memory at a time; returns how many. */
    public long streamEvents(String sessionId, Consumer<StoredEvent> consumer) {
        return streamEvents(sessionId, Long.MAX_VALUE, consumer);
    }

    /**
     * The events of a session up to {@code throughSeq}, in pages of short reads: no connection or
     * snapshot is held while the consumer works (an export may be written to a slow client). The
     * chain only grows, so pages read at different moments still form one consistent prefix.
     */
    public long streamEvents(String sessionId, long throughSeq, Consumer<StoredEvent> consumer) {
        long after = 0;
        long count = 0;
        while (after < throughSeq) {
            long from = after;
            List<StoredEvent> page = jdbi.withHandle(h -> eventPage(h, sessionId, from, throughSeq, EVENT_PAGE));
            for (StoredEvent event : page) {
                consumer.accept(event);
                after = event.seq();
                count++;
            }
            if (page.size() < EVENT_PAGE) {
                break;
            }
        }
        return count;
    }

    /**
     * Every session matching {@code filter}, newest first, a page at a time; returns how many. The
     * consumer may take its time: no connection is held between pages.
     */
    public long streamSessions(SessionFilter filter, Consumer<SessionSummary> consumer) {
        Optional<Cursor> after = Optional.empty();
        long count = 0;
        do {
            SessionPage page = sessions(filter, after, MAX_LIMIT);
            page.sessions().forEach(consumer);
            count += page.sessions().size();
            after = page.next();
        } while (after.isPresent());
        return count;
    }

    private static List<StoredEvent> eventPage(Handle h, String sessionId, long afterSeq, long throughSeq, int limit) {
        return h.createQuery("select " + EVENT_COLUMNS + " from audit_event where session_id = :id and seq > :after and seq <= :through"
                        + " order by seq limit :limit")
                .bind("id", sessionId)
                .bind("after", afterSeq)
                .bind("through", throughSeq)
                .bind("limit", limit)
                .map((rs, ctx) -> event(rs))
                .list();
    }

    static SessionSummary session(ResultSet rs) throws SQLException {
        byte[] head = rs.getBytes("head_hash");
        return new SessionSummary(rs.getString("id"), rs.getString("upstream"), rs.getString("caller_issuer"),
                rs.getString("caller_subject"), rs.getString("caller_email"), strings(rs.getArray("caller_groups")),
                rs.getString("client_name"), rs.getString("client_version"), rs.getString("protocol_version"),
                instant(rs, "started_at"), instant(rs, "ended_at"), rs.getString("end_reason"), rs.getLong("event_count"),
                head == null ? null : HEX.formatHex(head), instant(rs, "last_event_at"), strings(rs.getArray("tools")),
                strings(rs.getArray("outcomes")));
    }

    static StoredEvent event(ResultSet rs) throws SQLException {
        return new StoredEvent(rs.getString("session_id"), rs.getLong("seq"), instant(rs, "at"), rs.getString("direction"),
                rs.getString("kind"), rs.getString("method"), rs.getString("jsonrpc_id"), rs.getString("target"),
                rs.getString("outcome"), rs.getString("payload"), rs.getInt("size"), rs.getString("masked"),
                rs.getBoolean("fail_open"), rs.getBytes("prev_hash"), rs.getBytes("hash"));
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        OffsetDateTime value = rs.getObject(column, OffsetDateTime.class);
        return value == null ? null : value.toInstant();
    }

    private static List<String> strings(Array array) throws SQLException {
        if (array == null) {
            return List.of();
        }
        try {
            // A NULL element is not something the writer stores; it is dropped rather than failing the listing.
            return Arrays.stream((String[]) array.getArray()).filter(java.util.Objects::nonNull).toList();
        } finally {
            array.free();
        }
    }
}
