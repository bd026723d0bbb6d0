package dev.gatehouse.activities.audit;

import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

import java.time.Instant;
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
    /** ASCII unit separator: joins a row's list into one array element; it cannot occur in names or outcomes that matter. */
    private static final String SEPARATOR = "\u001f";
    private static final int KNOWN_SESSIONS = 100_000;

    private final Jdbi jdbi;
    /**
     * Sessions this writer has seen committed: their rows exist, so the batch skips inserting them.
     * Only the writer thread touches it. Cleared when a session turns out to be gone (retention).
     */
    private final Set<String> known = java.util.Collections.newSetFromMap(new java.util.LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > KNOWN_SESSIONS;
        }
    });

    BatchWriter(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /** Sessions skipped as known turned out not to exist; the transaction is rolled back and retried. */
    private static final class SessionsGone extends RuntimeException {
        final Set<String> ids;

        SessionsGone(Set<String> ids) {
            super("sessions gone: " + ids, null, false, false);
            this.ids = ids;
        }
    }

    /** The chain head of one session, as locked and then advanced by this batch. */
    private static final class Head {
        long count;
        byte[] hash;
        Instant lastAt;
        final Set<String> targets = new LinkedHashSet<>();
        final Set<String> outcomes = new LinkedHashSet<>();
        Instant endedAt;
        String endReason;

        Head(long count, byte[] hash) {
            this.count = count;
            this.hash = hash == null ? EventHash.genesis() : hash;
        }
    }

    void write(List<AuditWriter.Pending> batch) {
        try {
            writeOnce(batch);
        } catch (SessionsGone e) {
            // Sessions this writer thought present were removed meanwhile (retention): insert them again.
            known.removeAll(e.ids);
            writeOnce(batch);
        }
    }

    private void writeOnce(List<AuditWriter.Pending> batch) {
        jdbi.useTransaction(h -> {
            Map<String, RecordingSession> sessions = new TreeMap<>();
            for (AuditWriter.Pending p : batch) {
                sessions.putIfAbsent(p.session().id(), p.session());
            }
            insertSessions(h, sessions);
            Map<String, Head> heads = lockHeads(h, sessions.keySet());
            if (heads.size() < sessions.size()) {
                Set<String> gone = new java.util.TreeSet<>(sessions.keySet());
                gone.removeAll(heads.keySet());
                throw new SessionsGone(gone);
            }
            insertEvents(h, batch, heads);
            moveHeads(h, heads);
        });
        known.addAll(new java.util.TreeSet<>(batch.stream().map(p -> p.session().id()).toList()));
    }

    /** One statement for all new sessions; groups travel as one string each, split by a unit separator. */
    private void insertSessions(Handle h, Map<String, RecordingSession> sessions) {
        List<RecordingSession> fresh = sessions.values().stream().filter(s -> !known.contains(s.id())).toList();
        if (fresh.isEmpty()) {
            return;
        }
        List<String> ids = new ArrayList<>();
        List<String> upstreams = new ArrayList<>();
        List<String> issuers = new ArrayList<>();
        List<String> subjects = new ArrayList<>();
        List<String> emails = new ArrayList<>();
        List<String> groups = new ArrayList<>();
        List<String> clientNames = new ArrayList<>();
        List<String> clientVersions = new ArrayList<>();
        List<String> protocols = new ArrayList<>();
        List<String> starts = new ArrayList<>();
        for (RecordingSession s : fresh) {
            ids.add(s.id());
            upstreams.add(s.upstream());
            issuers.add(s.callerIssuer());
            subjects.add(s.callerSubject());
            emails.add(s.callerEmail());
            groups.add(String.join(SEPARATOR, s.callerGroups()));
            clientNames.add(s.clientName());
            clientVersions.add(s.clientVersion());
            protocols.add(s.protocolVersion());
            starts.add(s.startedAt().toString());
        }
        h.createUpdate("""
                        insert into audit_session (id, upstream, caller_issuer, caller_subject, caller_email, caller_groups,
                                                   client_name, client_version, protocol_version, started_at)
                        select i, u, iss, sub, e, case when g = '' then '{}'::text[] else string_to_array(g, chr(31)) end,
                               cn, cv, pv, st::timestamptz
                        from unnest(:i, :u, :iss, :sub, :e, :g, :cn, :cv, :pv, :st) as x(i, u, iss, sub, e, g, cn, cv, pv, st)
                        order by i
                        on conflict (id) do nothing
                        """)
                .bindArray("i", String.class, ids)
                .bindArray("u", String.class, upstreams)
                .bindArray("iss", String.class, issuers)
                .bindArray("sub", String.class, subjects)
                .bindArray("e", String.class, emails)
                .bindArray("g", String.class, groups)
                .bindArray("cn", String.class, clientNames)
                .bindArray("cv", String.class, clientVersions)
                .bindArray("pv", String.class, protocols)
                .bindArray("st", String.class, starts)
                .execute();
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
            head.lastAt = e.at();
            if (e.target() != null) {
                head.targets.add(e.target());
            }
            if (e.outcome() != null && e.kind() != EventKind.SESSION_START && e.kind() != EventKind.SESSION_END) {
                head.outcomes.add(e.outcome());
            }
            if (e.failOpen()) {
                head.outcomes.add("fail-open");
            }
            if (e.kind() == EventKind.SESSION_END) {
                head.endedAt = e.at();
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

    /** One statement moves every head; targets and outcomes travel as one string each, split by a unit separator. */
    private static void moveHeads(Handle h, Map<String, Head> heads) {
        List<String> ids = new ArrayList<>();
        List<String> counts = new ArrayList<>();
        List<String> hashes = new ArrayList<>();
        List<String> lastAts = new ArrayList<>();
        List<String> targets = new ArrayList<>();
        List<String> outcomes = new ArrayList<>();
        List<String> endedAts = new ArrayList<>();
        List<String> endReasons = new ArrayList<>();
        for (Map.Entry<String, Head> entry : heads.entrySet()) {
            Head head = entry.getValue();
            if (head.lastAt == null) {
                continue;
            }
            ids.add(entry.getKey());
            counts.add(Long.toString(head.count));
            hashes.add(HEX.formatHex(head.hash));
            lastAts.add(head.lastAt.toString());
            targets.add(String.join(SEPARATOR, head.targets));
            outcomes.add(String.join(SEPARATOR, head.outcomes));
            endedAts.add(head.endedAt == null ? null : head.endedAt.toString());
            endReasons.add(head.endReason);
        }
        h.createUpdate("""
                        update audit_session s
                        set event_count = v.n::bigint,
                            head_hash = decode(v.h, 'hex'),
                            last_event_at = greatest(s.last_event_at, v.la::timestamptz),
                            tools = case when v.t = '' or string_to_array(v.t, chr(31)) <@ s.tools then s.tools
                                         else array(select distinct x from unnest(s.tools || string_to_array(v.t, chr(31))) as x) end,
                            outcomes = case when v.o = '' or string_to_array(v.o, chr(31)) <@ s.outcomes then s.outcomes
                                            else array(select distinct x from unnest(s.outcomes || string_to_array(v.o, chr(31))) as x) end,
                            ended_at = coalesce(s.ended_at, v.ea::timestamptz),
                            end_reason = coalesce(s.end_reason, v.er)
                        from unnest(:i, :n, :h, :la, :t, :o, :ea, :er) as v(i, n, h, la, t, o, ea, er)
                        where s.id = v.i
                        """)
                .bindArray("i", String.class, ids)
                .bindArray("n", String.class, counts)
                .bindArray("h", String.class, hashes)
                .bindArray("la", String.class, lastAts)
                .bindArray("t", String.class, targets)
                .bindArray("o", String.class, outcomes)
                .bindArray("ea", String.class, endedAts)
                .bindArray("er", String.class, endReasons)
                .execute();
    }
}
