package dev.gatehouse.activities.audit;

import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Writes one batch of events in one transaction and, in the steady state, one statement: the
 * writer links each event to its chain itself, from the chain heads it committed last, and the
 * statement moves each session's head only where it still is what the writer expects (an
 * optimistic check), inserting the events of those sessions alone. Where a head moved (another
 * replica wrote the session, retention removed it, someone edited it), the transaction is rolled
 * back, those heads are read afresh and the batch is linked again.
 *
 * <p>Linking here rather than in the database keeps PostgreSQL's CPU, which bounds how many events
 * a server can take, for what only it can do: it no longer locks, reads and re-hashes heads in a
 * PL/pgSQL loop (the V4 function this replaces spent two thirds of its time there).
 *
 * <p>The V4 function {@code audit_append} that linked chains in the database stays in the schema,
 * so that replicas of the previous release keep writing during a rolling upgrade; both kinds may
 * write one session at once (the old one locks and moves the head, this one's check then fails
 * and it reads the head afresh).
 *
 * <p>Plain JDBC on purpose: binding the batch's arrays through Jdbi's type resolution cost the
 * broker more CPU than the rest of the commit.
 */
final class BatchWriter {

    /** ASCII unit separator: joins a row's list into one array element; it cannot occur in names or outcomes that matter. */
    private static final String SEPARATOR = "\u001f";
    private static final int KNOWN_SESSIONS = 100_000;
    /** A batch whose heads keep moving (a busy session written by several replicas) is retried this often, then failed. */
    private static final int ATTEMPTS = 8;
    private static final String DEADLOCK = "40P01";

    private static final String INSERT_SESSIONS = """
            insert into audit_session (id, upstream, caller_issuer, caller_subject, caller_email, caller_groups,
                                       client_name, client_version, protocol_version, started_at)
            select i, u, iss, sub, e, case when g = '' then '{}'::text[] else string_to_array(g, chr(31)) end,
                   cn, cv, pv, st::timestamptz
            from unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[])
                 as x(i, u, iss, sub, e, g, cn, cv, pv, st)
            order by i
            on conflict (id) do nothing
            """;

    private static final String READ_HEADS = "select id, event_count, head_hash from audit_session where id = any(?::text[])";

    /**
     * Moves the heads that are where the writer expects them (sessions in id order, so writers
     * lock them in one order) and inserts the events of exactly those sessions.
     */
    private static final String APPEND = """
            with moved as (
                update audit_session s
                   set event_count = v.count,
                       head_hash = v.head,
                       last_event_at = greatest(s.last_event_at, v.last_at::timestamptz),
                       tools = case when v.tools <@ s.tools then s.tools
                                    else array(select distinct y from unnest(s.tools || v.tools) as y) end,
                       outcomes = case when v.outcomes <@ s.outcomes then s.outcomes
                                       else array(select distinct y from unnest(s.outcomes || v.outcomes) as y) end,
                       ended_at = coalesce(s.ended_at, v.ended_at::timestamptz),
                       end_reason = coalesce(s.end_reason, v.end_reason)
                  from (select id, expected_count, expected_head, count, head, last_at,
                               case when tools = '' then '{}'::text[] else string_to_array(tools, chr(31)) end as tools,
                               case when outcomes = '' then '{}'::text[] else string_to_array(outcomes, chr(31)) end as outcomes,
                               ended_at, end_reason
                          from unnest(?::text[], ?::int8[], ?::bytea[], ?::int8[], ?::bytea[], ?::text[], ?::text[], ?::text[],
                                      ?::text[], ?::text[])
                               as u(id, expected_count, expected_head, count, head, last_at, tools, outcomes, ended_at, end_reason)
                        ) v
                 where s.id = v.id
                   and s.event_count = v.expected_count
                   and s.head_hash is not distinct from v.expected_head
                returning s.id),
            added as (
                insert into audit_event (session_id, seq, at, direction, kind, method, jsonrpc_id, target, outcome,
                                         payload, size, masked, fail_open, prev_hash, hash)
                select e.s, e.q, e.a::timestamptz, e.d, e.k, e.m, e.j, e.t, e.o, e.p::jsonb, e.z, e.mk::jsonb, e.f, e.ph, e.hh
                  from unnest(?::text[], ?::int8[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[],
                              ?::text[], ?::int4[], ?::text[], ?::bool[], ?::bytea[], ?::bytea[])
                       as e(s, q, a, d, k, m, j, t, o, p, z, mk, f, ph, hh)
                 where e.s in (select id from moved)
                returning 1)
            select id from moved
            """;

    /** PostgreSQL refused or failed the batch; the cause carries its SQLSTATE (the writer tells outages from refusals by it). */
    private static final class WriteFailed extends RuntimeException {
        WriteFailed(SQLException cause) {
            super(cause.getMessage(), cause);
        }
    }

    /** How one attempt at a batch ended. */
    private sealed interface Attempt {
    }

    /** The batch is committed; these are its sessions' new heads. */
    private record Committed(Map<String, Head> heads) implements Attempt {
    }

    /** Rolled back: these sessions' heads were not where the writer expected them. */
    private record HeadsMoved(Set<String> sessions) implements Attempt {
    }

    /** A session's chain head as committed: {@code hash} is null before its first event. */
    private record Head(long count, byte[] hash) {
        static final Head EMPTY = new Head(0, null);
    }

    private final Jdbi jdbi;
    /**
     * Heads this writer committed last, by session; a session here has its row. Only the writer
     * thread touches it. A head found moved is dropped and read afresh.
     */
    private final Map<String, Head> heads = new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Head> eldest) {
            return size() > KNOWN_SESSIONS;
        }
    };

    BatchWriter(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    void write(List<AuditWriter.Pending> batch) {
        Map<String, RecordingSession> sessions = new TreeMap<>();
        for (AuditWriter.Pending p : batch) {
            sessions.putIfAbsent(p.session().id(), p.session());
        }
        // Sessions whose head is unknown or was found moved: read from the database before linking.
        Set<String> stale = new LinkedHashSet<>();
        for (int attempt = 1; ; attempt++) {
            Set<String> unread = Set.copyOf(stale);
            Attempt attempted;
            try {
                attempted = jdbi.inTransaction(h -> writeOnce(h, batch, sessions, unread));
            } catch (SQLException | RuntimeException e) {
                if (!isDeadlock(e) || attempt == ATTEMPTS) {
                    throw e instanceof RuntimeException runtime ? runtime : new WriteFailed((SQLException) e);
                }
                stale.addAll(sessions.keySet());
                sessions.keySet().forEach(heads::remove);
                continue;
            }
            switch (attempted) {
                case Committed committed -> {
                    heads.putAll(committed.heads());
                    return;
                }
                case HeadsMoved moved -> {
                    moved.sessions().forEach(heads::remove);
                    stale.addAll(moved.sessions());
                }
            }
            if (attempt == ATTEMPTS) {
                throw new IllegalStateException("the chain heads of sessions " + stale + " kept moving while "
                        + batch.size() + " batched appends were linked (" + ATTEMPTS + " attempts)");
            }
        }
    }

    /** One attempt in one transaction; {@code stale} sessions' heads are read from the database first. */
    private Attempt writeOnce(Handle handle, List<AuditWriter.Pending> batch,
                                        Map<String, RecordingSession> sessions, Set<String> stale) throws SQLException {
        Connection connection = handle.getConnection();
        Map<String, Head> expected = new HashMap<>();
        List<RecordingSession> fresh = new ArrayList<>();
        for (RecordingSession session : sessions.values()) {
            if (stale.contains(session.id())) {
                continue;
            }
            Head known = heads.get(session.id());
            if (known == null) {
                // Never seen: most likely new, so created here without asking; if it existed, its head check fails.
                fresh.add(session);
                known = Head.EMPTY;
            }
            expected.put(session.id(), known);
        }
        if (!stale.isEmpty()) {
            Map<String, Head> read = readHeads(connection, stale);
            for (String id : stale) {
                Head head = read.get(id);
                if (head == null) {
                    fresh.add(sessions.get(id));
                    head = Head.EMPTY;
                }
                expected.put(id, head);
            }
        }
        if (!fresh.isEmpty()) {
            insertSessions(connection, fresh);
        }
        Linked linked = Linked.of(batch, sessions.keySet(), expected);
        Set<String> moved = append(connection, linked);
        if (moved.size() < sessions.size()) {
            handle.rollback();
            Set<String> notMoved = new LinkedHashSet<>(sessions.keySet());
            notMoved.removeAll(moved);
            return new HeadsMoved(notMoved);
        }
        return new Committed(linked.heads());
    }

    private static Map<String, Head> readHeads(Connection connection, Set<String> ids) throws SQLException {
        Map<String, Head> read = new HashMap<>();
        try (PreparedStatement statement = connection.prepareStatement(READ_HEADS)) {
            statement.setArray(1, connection.createArrayOf("text", ids.toArray(String[]::new)));
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    read.put(rows.getString(1), new Head(rows.getLong(2), rows.getBytes(3)));
                }
            }
        }
        return read;
    }

    /**
     * The batch linked onto {@code expected}: per event its sequence number and hashes, per session
     * (in id order) the head it moves to and what it adds to the session's summary columns.
     */
    private record Linked(List<AuditEvent> events, long[] seqs, byte[][] prevs, byte[][] links,
                          List<String> sessionIds, Map<String, Head> expected, Map<String, Head> heads,
                          Map<String, Summary> summaries) {

        static Linked of(List<AuditWriter.Pending> batch, Set<String> sessionIds, Map<String, Head> expected) {
            List<AuditEvent> events = new ArrayList<>();
            List<byte[]> digests = new ArrayList<>();
            for (AuditWriter.Pending p : batch) {
                events.addAll(p.events());
                digests.addAll(p.contentDigests());
            }
            int n = events.size();
            long[] seqs = new long[n];
            byte[][] prevs = new byte[n][];
            byte[][] links = new byte[n][];
            Map<String, Head> heads = new HashMap<>(expected);
            Map<String, Summary> summaries = new HashMap<>();
            for (int i = 0; i < n; i++) {
                AuditEvent event = events.get(i);
                Head head = heads.get(event.sessionId());
                byte[] prev = head.hash() == null ? EventHash.genesis() : head.hash();
                seqs[i] = head.count() + 1;
                prevs[i] = prev;
                links[i] = EventHash.link(prev, seqs[i], digests.get(i));
                heads.put(event.sessionId(), new Head(seqs[i], links[i]));
                summaries.computeIfAbsent(event.sessionId(), id -> new Summary()).add(event);
            }
            return new Linked(events, seqs, prevs, links, List.copyOf(sessionIds), expected,
                    heads, summaries);
        }
    }

    /** What a batch adds to a session's row besides its head. */
    private static final class Summary {
        Instant lastAt;
        Instant endedAt;
        String endReason;
        final Set<String> tools = new LinkedHashSet<>();
        final Set<String> outcomes = new LinkedHashSet<>();
        boolean failOpen;

        void add(AuditEvent event) {
            if (lastAt == null || event.at().isAfter(lastAt)) {
                lastAt = event.at();
            }
            if (event.target() != null) {
                tools.add(event.target());
            }
            boolean boundary = event.kind() == EventKind.SESSION_START || event.kind() == EventKind.SESSION_END;
            if (event.outcome() != null && !boundary) {
                outcomes.add(event.outcome());
            }
            if (event.kind() == EventKind.SESSION_END) {
                if (endedAt == null || event.at().isAfter(endedAt)) {
                    endedAt = event.at();
                }
                if (endReason == null) {
                    endReason = event.outcome();
                }
            }
            failOpen |= event.failOpen();
        }

        String outcomesJoined() {
            Set<String> all = new LinkedHashSet<>(outcomes);
            if (failOpen) {
                all.add("fail-open");
            }
            return String.join(SEPARATOR, all);
        }
    }

    /** Returns the sessions whose heads moved; their events are inserted, the others' are not. */
    private static Set<String> append(Connection connection, Linked linked) throws SQLException {
        int k = linked.sessionIds().size();
        String[] ids = linked.sessionIds().toArray(String[]::new);
        Long[] expectedCounts = new Long[k];
        byte[][] expectedHeads = new byte[k][];
        Long[] counts = new Long[k];
        byte[][] newHeads = new byte[k][];
        String[] lastAt = new String[k];
        String[] tools = new String[k];
        String[] outcomes = new String[k];
        String[] endedAt = new String[k];
        String[] endReasons = new String[k];
        for (int i = 0; i < k; i++) {
            Head from = linked.expected().get(ids[i]);
            Head to = linked.heads().get(ids[i]);
            Summary summary = linked.summaries().get(ids[i]);
            expectedCounts[i] = from.count();
            expectedHeads[i] = from.hash();
            counts[i] = to.count();
            newHeads[i] = to.hash();
            lastAt[i] = summary.lastAt.toString();
            tools[i] = String.join(SEPARATOR, summary.tools);
            outcomes[i] = summary.outcomesJoined();
            endedAt[i] = summary.endedAt == null ? null : summary.endedAt.toString();
            endReasons[i] = summary.endReason;
        }
        List<AuditEvent> events = linked.events();
        int n = events.size();
        String[] sessionIds = new String[n];
        Long[] seqs = new Long[n];
        String[] ats = new String[n];
        String[] directions = new String[n];
        String[] kinds = new String[n];
        String[] methods = new String[n];
        String[] jsonrpcIds = new String[n];
        String[] targets = new String[n];
        String[] eventOutcomes = new String[n];
        String[] payloads = new String[n];
        Integer[] sizes = new Integer[n];
        String[] masked = new String[n];
        Boolean[] failOpen = new Boolean[n];
        for (int i = 0; i < n; i++) {
            AuditEvent e = events.get(i);
            sessionIds[i] = e.sessionId();
            seqs[i] = linked.seqs()[i];
            ats[i] = e.at().toString();
            directions[i] = e.direction().dbName();
            kinds[i] = e.kind().dbName();
            methods[i] = e.method();
            jsonrpcIds[i] = e.jsonrpcId();
            targets[i] = e.target();
            eventOutcomes[i] = e.outcome();
            payloads[i] = e.payload();
            sizes[i] = e.size();
            masked[i] = e.masked().isEmpty() ? null : StorableJson.of(e.masked());
            failOpen[i] = e.failOpen();
        }
        Set<String> moved = new java.util.HashSet<>();
        try (PreparedStatement statement = connection.prepareStatement(APPEND)) {
            int p = 1;
            statement.setArray(p++, connection.createArrayOf("text", ids));
            statement.setArray(p++, connection.createArrayOf("int8", expectedCounts));
            statement.setArray(p++, connection.createArrayOf("bytea", expectedHeads));
            statement.setArray(p++, connection.createArrayOf("int8", counts));
            statement.setArray(p++, connection.createArrayOf("bytea", newHeads));
            statement.setArray(p++, connection.createArrayOf("text", lastAt));
            statement.setArray(p++, connection.createArrayOf("text", tools));
            statement.setArray(p++, connection.createArrayOf("text", outcomes));
            statement.setArray(p++, connection.createArrayOf("text", endedAt));
            statement.setArray(p++, connection.createArrayOf("text", endReasons));
            statement.setArray(p++, connection.createArrayOf("text", sessionIds));
            statement.setArray(p++, connection.createArrayOf("int8", seqs));
            statement.setArray(p++, connection.createArrayOf("text", ats));
            statement.setArray(p++, connection.createArrayOf("text", directions));
            statement.setArray(p++, connection.createArrayOf("text", kinds));
            statement.setArray(p++, connection.createArrayOf("text", methods));
            statement.setArray(p++, connection.createArrayOf("text", jsonrpcIds));
            statement.setArray(p++, connection.createArrayOf("text", targets));
            statement.setArray(p++, connection.createArrayOf("text", eventOutcomes));
            statement.setArray(p++, connection.createArrayOf("text", payloads));
            statement.setArray(p++, connection.createArrayOf("int4", sizes));
            statement.setArray(p++, connection.createArrayOf("text", masked));
            statement.setArray(p++, connection.createArrayOf("bool", failOpen));
            statement.setArray(p++, connection.createArrayOf("bytea", linked.prevs()));
            statement.setArray(p, connection.createArrayOf("bytea", linked.links()));
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    moved.add(rows.getString(1));
                }
            }
        }
        return moved;
    }

    /** One statement for all new sessions; groups travel as one string each, split by a unit separator. */
    private static void insertSessions(Connection connection, List<RecordingSession> fresh) throws SQLException {
        int n = fresh.size();
        String[][] columns = new String[10][n];
        for (int i = 0; i < n; i++) {
            RecordingSession s = fresh.get(i);
            columns[0][i] = s.id();
            columns[1][i] = s.upstream();
            columns[2][i] = s.callerIssuer();
            columns[3][i] = s.callerSubject();
            columns[4][i] = s.callerEmail();
            columns[5][i] = String.join(SEPARATOR, s.callerGroups());
            columns[6][i] = s.clientName();
            columns[7][i] = s.clientVersion();
            columns[8][i] = s.protocolVersion();
            columns[9][i] = s.startedAt().toString();
        }
        try (PreparedStatement statement = connection.prepareStatement(INSERT_SESSIONS)) {
            for (int c = 0; c < columns.length; c++) {
                Array array = connection.createArrayOf("text", columns[c]);
                statement.setArray(c + 1, array);
            }
            statement.executeUpdate();
        }
    }

    private static boolean isDeadlock(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && DEADLOCK.equals(sql.getSQLState())) {
                return true;
            }
        }
        return false;
    }
}
