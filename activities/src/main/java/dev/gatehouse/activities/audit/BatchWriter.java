package dev.gatehouse.activities.audit;

import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Writes one batch of events in one transaction and as few round trips as possible: inserts the
 * sessions it has not seen yet, then one call of {@code audit_append} (migration V4) locks the
 * sessions' chain heads in id order, links each event to its predecessor, inserts the events and
 * moves the heads; then the commit.
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
        Map<String, RecordingSession> sessions = new TreeMap<>();
        for (AuditWriter.Pending p : batch) {
            sessions.putIfAbsent(p.session().id(), p.session());
        }
        try {
            jdbi.useTransaction(h -> {
                insertSessions(h, sessions);
                append(h, batch);
            });
        } catch (RuntimeException e) {
            if (isSessionMissing(e)) {
                throw new SessionsGone(sessions.keySet());
            }
            throw e;
        }
        known.addAll(sessions.keySet());
    }

    /** The audit_append function links the events to their chains, inserts them and moves the heads (V4). */
    private static void append(Handle h, List<AuditWriter.Pending> batch) {
        int n = batch.stream().mapToInt(p -> p.events().size()).sum();
        List<String> sessionIds = new ArrayList<>(n);
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
        List<String> digests = new ArrayList<>(n);
        for (AuditWriter.Pending p : batch) {
            for (int i = 0; i < p.events().size(); i++) {
                AuditEvent e = p.events().get(i);
                sessionIds.add(e.sessionId());
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
                digests.add(HEX.formatHex(p.contentDigests().get(i)));
            }
        }
        h.createQuery("select audit_append(:s, :a, :d, :k, :m, :j, :t, :o, :p, :z, :mk, :f, :dg)")
                .bindArray("s", String.class, sessionIds)
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
                .bindArray("dg", String.class, digests)
                .mapTo(String.class)
                .list();
    }

    private static boolean isSessionMissing(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.sql.SQLException sql && "GH001".equals(sql.getSQLState())) {
                return true;
            }
        }
        return false;
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
}
