package dev.gatehouse.activities.audit;

import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.PreparedBatch;

import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Writes one batch of events in one transaction: makes sure their sessions exist, locks the
 * sessions' chain heads (in id order, so replicas writing the same sessions cannot deadlock),
 * links each event to its predecessor, inserts all events in one statement and moves the heads.
 */
final class BatchWriter {

    private static final HexFormat HEX = HexFormat.of();

    private final Jdbi jdbi;

    BatchWriter(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /** The chain head of one session, as locked and then advanced by this batch. */
    private static final class Head {
        long count;
        byte[] hash;
        Timestamp lastAt;
        final Set<String> targets = new LinkedHashSet<>();
        final Set<String> outcomes = new LinkedHashSet<>();
        Timestamp endedAt;
        String endReason;

        Head(long count, byte[] hash) {
            this.count = count;
            this.hash = hash == null ? EventHash.genesis() : hash;
        }
    }

    void write(List<AuditWriter.Pending> batch) {
        jdbi.useTransaction(h -> {
            Map<String, RecordingSession> sessions = new TreeMap<>();
            for (AuditWriter.Pending p : batch) {
                sessions.putIfAbsent(p.session().id(), p.session());
            }
            insertSessions(h, sessions);
            Map<String, Head> heads = lockHeads(h, sessions.keySet());
            insertEvents(h, batch, heads);
            moveHeads(h, heads);
        });
    }

    private static void insertSessions(Handle h, Map<String, RecordingSession> sessions) {
        PreparedBatch insert = h.prepareBatch("""
                insert into audit_session (id, upstream, caller_issuer, caller_subject, caller_email, caller_groups,
                                           client_name, client_version, protocol_version, started_at)
                values (:id, :upstream, :issuer, :subject, :email, :groups, :clientName, :clientVersion, :protocol, :startedAt)
                on conflict (id) do nothing
                """);
        for (RecordingSession s : sessions.values()) {
            insert.bind("id", s.id())
                    .bind("upstream", s.upstream())
                    .bind("issuer", s.callerIssuer())
                    .bind("subject", s.callerSubject())
                    .bind("email", s.callerEmail())
                    .bind("groups", s.callerGroups().toArray(String[]::new))
                    .bind("clientName", s.clientName())
                    .bind("clientVersion", s.clientVersion())
                    .bind("protocol", s.protocolVersion())
                    .bind("startedAt", Timestamp.from(s.startedAt()))
                    .add();
        }
        insert.execute();
    }

    private static Map<String, Head> lockHeads(Handle h, Set<String> ids) {
        Map<String, Head> heads = new TreeMap<>();
        h.createQuery("select id, event_count, head_hash from audit_session where id = any(:ids) order by id for update")
                .bindArray("ids", String.class, ids)
                .map((rs, ctx) -> {
                    heads.put(rs.getString("id"), new Head(rs.getLong("event_count"), rs.getBytes("head_hash")));
                    return null;
                })
                .list();
        return heads;
    }

    private static void insertEvents(Handle h, List<AuditWriter.Pending> batch, Map<String, Head> heads) {
        int n = batch.size();
        List<String> sessionIds = new ArrayList<>(n);
        List<String> seqs = new ArrayList<>(n);
        List<String> ats = new ArrayList<>(n);
        List<String> directions = new ArrayList<>(n);
        List<String> kinds = new ArrayList<>(n);
        List<String> methods = new ArrayList<>(n);
        List<String> ids = new ArrayList<>(n);
        List<String> targets = new ArrayList<>(n);
        List<String> outcomes = new ArrayList<>(n);
        List<String> payloads = new ArrayList<>(n);
        List<String> sizes = new ArrayList<>(n);
        List<String> masked = new ArrayList<>(n);
        List<String> failOpen = new ArrayList<>(n);
        List<String> prevHashes = new ArrayList<>(n);
        List<String> hashes = new ArrayList<>(n);
        for (AuditWriter.Pending p : batch) {
            AuditEvent e = p.event();
            Head head = heads.get(e.sessionId());
            long seq = head.count + 1;
            byte[] hash = EventHash.link(head.hash, seq, p.contentDigest());
            sessionIds.add(e.sessionId());
            seqs.add(Long.toString(seq));
            ats.add(e.at().toString());
            directions.add(e.direction().dbName());
            kinds.add(e.kind().dbName());
            methods.add(e.method());
            ids.add(e.jsonrpcId());
            targets.add(e.target());
            outcomes.add(e.outcome());
            payloads.add(e.payload());
            sizes.add(Integer.toString(e.size()));
            masked.add(e.masked().isEmpty() ? null : StorableJson.of(e.masked()));
            failOpen.add(Boolean.toString(e.failOpen()));
            prevHashes.add(HEX.formatHex(head.hash));
            hashes.add(HEX.formatHex(hash));
            head.count = seq;
            head.hash = hash;
            head.lastAt = Timestamp.from(e.at());
            if (e.target() != null) {
                head.targets.add(e.target());
            }
            if (e.outcome() != null && e.kind() != EventKind.SESSION_END) {
                head.outcomes.add(e.outcome());
            }
            if (e.failOpen()) {
                head.outcomes.add("fail-open");
            }
            if (e.kind() == EventKind.SESSION_END) {
                head.endedAt = Timestamp.from(e.at());
                head.endReason = e.outcome();
            }
        }
        h.createUpdate("""
                        insert into audit_event (session_id, seq, at, direction, kind, method, jsonrpc_id, target, outcome,
                                                 payload, size, masked, fail_open, prev_hash, hash)
                        select s, q::bigint, a::timestamptz, d, k, m, j, t, o, p::jsonb, z::integer, mk::jsonb, f::boolean,
                               decode(ph, 'hex'), decode(hh, 'hex')
                        from unnest(:s, :q, :a, :d, :k, :m, :j, :t, :o, :p, :z, :mk, :f, :ph, :hh)
                             as u(s, q, a, d, k, m, j, t, o, p, z, mk, f, ph, hh)
                        """)
                .bindArray("s", String.class, sessionIds)
                .bindArray("q", String.class, seqs)
                .bindArray("a", String.class, ats)
                .bindArray("d", String.class, directions)
                .bindArray("k", String.class, kinds)
                .bindArray("m", String.class, methods)
                .bindArray("j", String.class, ids)
                .bindArray("t", String.class, targets)
                .bindArray("o", String.class, outcomes)
                .bindArray("p", String.class, payloads)
                .bindArray("z", String.class, sizes)
                .bindArray("mk", String.class, masked)
                .bindArray("f", String.class, failOpen)
                .bindArray("ph", String.class, prevHashes)
                .bindArray("hh", String.class, hashes)
                .execute();
    }

    private static void moveHeads(Handle h, Map<String, Head> heads) {
        PreparedBatch update = h.prepareBatch("""
                update audit_session
                set event_count = :count,
                    head_hash = :hash,
                    last_event_at = greatest(last_event_at, :lastAt),
                    tools = case when :targets <@ tools then tools
                                 else array(select distinct x from unnest(tools || :targets) as x) end,
                    outcomes = case when :outcomes <@ outcomes then outcomes
                                    else array(select distinct x from unnest(outcomes || :outcomes) as x) end,
                    ended_at = coalesce(ended_at, :endedAt),
                    end_reason = coalesce(end_reason, :endReason)
                where id = :id
                """);
        for (Map.Entry<String, Head> entry : heads.entrySet()) {
            Head head = entry.getValue();
            update.bind("id", entry.getKey())
                    .bind("count", head.count)
                    .bind("hash", head.hash)
                    .bind("lastAt", head.lastAt)
                    .bind("targets", head.targets.toArray(String[]::new))
                    .bind("outcomes", head.outcomes.toArray(String[]::new))
                    .bind("endedAt", head.endedAt)
                    .bind("endReason", head.endReason)
                    .add();
        }
        update.execute();
    }
}
