package dev.gatehouse.activities.audit;

import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.result.ResultIterator;
import org.jdbi.v3.core.transaction.TransactionIsolationLevel;

import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Recomputes the hash chains of recorded sessions from their rows and reports the first broken
 * link (see {@link ChainWalk} for how edited, deleted and reordered rows are told apart).
 * Thread-safe.
 *
 * <p>Constant memory at any size: sessions are visited in id order a page of 500 at a time, and
 * their events are streamed through a server-side cursor. Each page is read in its own short
 * repeatable-read transaction, so heads and rows are one snapshot even while the writer appends,
 * and no snapshot is held across the whole table.
 */
public final class ChainVerifier {

    private static final int SESSION_PAGE = 500;
    private static final int FETCH_SIZE = 1_000;
    private static final HexFormat HEX = HexFormat.of();

    private final Jdbi jdbi;
    private final int sessionPage;

    public ChainVerifier(Jdbi jdbi) {
        this(jdbi, SESSION_PAGE);
    }

    ChainVerifier(Jdbi jdbi, int sessionPage) {
        this.jdbi = jdbi;
        this.sessionPage = sessionPage;
    }

    /** Verifies one session; {@link ChainCheck.Problem#UNKNOWN_SESSION} when it is not recorded. */
    public ChainCheck verify(String sessionId) {
        Result result = verifySession(sessionId);
        return result.broken() != null ? result.broken() : new ChainCheck.Intact(1, result.events());
    }

    /**
     * Verifies every recorded session, a page of sessions (in id order) at a time, stopping at the
     * first broken chain found.
     */
    public ChainCheck verifyAll() {
        long sessions = 0;
        long events = 0;
        String after = "";
        while (true) {
            Page page = verifyPage(after);
            if (page.broken() != null) {
                return page.broken();
            }
            sessions += page.sessions();
            events += page.events();
            if (page.lastId() == null) {
                return new ChainCheck.Intact(sessions, events);
            }
            after = page.lastId();
        }
    }

    /** What one page of sessions showed; {@code lastId} is null after the last page. */
    private record Page(ChainCheck.Broken broken, long sessions, long events, String lastId) {
    }

    /**
     * One snapshot per page: its sessions' heads and all their events (one index-ordered query, not
     * one per session, so an intact store costs about one round trip per page).
     */
    private Page verifyPage(String after) {
        return jdbi.withHandle(h -> h.inTransaction(TransactionIsolationLevel.REPEATABLE_READ, tx -> {
            tx.execute("set transaction read only");
            Map<String, SessionSummary> heads = new LinkedHashMap<>();
            tx.createQuery("select " + AuditQueries.SESSION_COLUMNS + " from audit_session where id > :after order by id limit :limit")
                    .bind("after", after)
                    .bind("limit", sessionPage)
                    .map((rs, ctx) -> AuditQueries.session(rs))
                    .forEach(s -> heads.put(s.id(), s));
            if (heads.isEmpty()) {
                return new Page(null, 0, 0, null);
            }
            long events = 0;
            Set<String> walked = new HashSet<>();
            ChainWalk walk = null;
            String current = null;
            try (ResultIterator<StoredEvent> rows = tx.createQuery("select " + AuditQueries.EVENT_COLUMNS
                            + " from audit_event where session_id = any(:ids) order by session_id, seq")
                    .bindArray("ids", String.class, heads.keySet())
                    .setFetchSize(FETCH_SIZE)
                    .map((rs, ctx) -> AuditQueries.event(rs))
                    .iterator()) {
                while (rows.hasNext()) {
                    StoredEvent row = rows.next();
                    if (!row.sessionId().equals(current)) {
                        ChainCheck.Broken broken = walk == null ? null : finish(walk, heads.get(current));
                        if (broken != null) {
                            return new Page(broken, 0, 0, null);
                        }
                        current = row.sessionId();
                        walked.add(current);
                        walk = new ChainWalk(current, (id, prevHash, notSeq) -> seqLinkingTo(tx, id, prevHash, notSeq));
                    }
                    ChainCheck.Broken broken = walk.accept(row);
                    if (broken != null) {
                        return new Page(broken, 0, 0, null);
                    }
                    events++;
                }
            }
            ChainCheck.Broken broken = walk == null ? null : finish(walk, heads.get(current));
            if (broken != null) {
                return new Page(broken, 0, 0, null);
            }
            for (SessionSummary session : heads.values()) {
                if (!walked.contains(session.id())) {
                    broken = finish(new ChainWalk(session.id(), (id, prevHash, notSeq) -> OptionalLong.empty()), session);
                    if (broken != null) {
                        return new Page(broken, 0, 0, null);
                    }
                }
            }
            String last = heads.size() < sessionPage ? null : heads.keySet().stream().reduce((a, b) -> b).orElseThrow();
            return new Page(null, heads.size(), events, last);
        }));
    }

    private static ChainCheck.Broken finish(ChainWalk walk, SessionSummary head) {
        return walk.finish(head.eventCount(), head.headHash() == null ? null : HEX.parseHex(head.headHash()));
    }

    private record Result(ChainCheck.Broken broken, long events) {
    }

    private Result verifySession(String sessionId) {
        return jdbi.withHandle(h -> h.inTransaction(TransactionIsolationLevel.REPEATABLE_READ, tx -> {
            tx.execute("set transaction read only");
            Optional<SessionSummary> session = AuditQueries.session(tx, sessionId);
            if (session.isEmpty()) {
                return new Result(new ChainCheck.Broken(sessionId, 0, ChainCheck.Problem.UNKNOWN_SESSION,
                        "no session " + sessionId + " is recorded"), 0);
            }
            ChainWalk walk = new ChainWalk(sessionId, (id, prevHash, notSeq) -> seqLinkingTo(tx, id, prevHash, notSeq));
            try (ResultIterator<StoredEvent> rows = tx.createQuery(
                            "select " + AuditQueries.EVENT_COLUMNS + " from audit_event where session_id = :id order by seq")
                    .bind("id", sessionId)
                    .setFetchSize(FETCH_SIZE)
                    .map((rs, ctx) -> AuditQueries.event(rs))
                    .iterator()) {
                while (rows.hasNext()) {
                    ChainCheck.Broken broken = walk.accept(rows.next());
                    if (broken != null) {
                        return new Result(broken, walk.linked());
                    }
                }
            }
            return new Result(finish(walk, session.get()), walk.linked());
        }));
    }

    private static OptionalLong seqLinkingTo(Handle h, String sessionId, byte[] prevHash, long notSeq) {
        return h.createQuery("select seq from audit_event where session_id = :id and prev_hash = :prev and seq <> :not order by seq limit 1")
                .bind("id", sessionId)
                .bind("prev", prevHash)
                .bind("not", notSeq)
                .mapTo(Long.class)
                .findOne()
                .map(OptionalLong::of)
                .orElse(OptionalLong.empty());
    }
}
