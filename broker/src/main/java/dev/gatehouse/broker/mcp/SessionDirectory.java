package dev.gatehouse.broker.mcp;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.gatehouse.activities.sessions.McpSession;
import dev.gatehouse.activities.sessions.SessionStore;
import org.jdbi.v3.core.JdbiException;

import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;

/**
 * Finds and creates MCP sessions. PostgreSQL is the truth, so any replica can serve any session;
 * a short-lived local cache keeps the per-request lookup off the database. A session ended on
 * another replica may be served from the cache for up to {@link #CACHE_TTL}: the upstream itself
 * then answers 404, which the broker passes on and records. Thread-safe.
 */
public final class SessionDirectory {

    static final Duration CACHE_TTL = Duration.ofSeconds(30);

    private final SessionStore store;
    private final java.util.function.BooleanSupplier storeKnownDown;
    private final java.util.function.BiConsumer<McpSession, String> onEnd;
    private final SecureRandom random = new SecureRandom();
    private final Cache<String, McpSession> cache = Caffeine.newBuilder()
            .maximumSize(100_000)
            .expireAfterWrite(CACHE_TTL)
            .build();

    /**
     * @param storeKnownDown true while the broker knows PostgreSQL to be unreachable (the audit writer probes it)
     * @param onEnd          told about each session this broker ends, e.g. to record it
     */
    public SessionDirectory(SessionStore store, java.util.function.BooleanSupplier storeKnownDown,
                            java.util.function.BiConsumer<McpSession, String> onEnd) {
        this.store = store;
        this.storeKnownDown = storeKnownDown;
        this.onEnd = onEnd;
    }

    /** A fresh, unguessable id: 256 random bits, URL-safe and within MCP's visible-ASCII rule. */
    String newId() {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    void create(McpSession session) {
        try {
            store.create(session);
        } catch (JdbiException e) {
            throw storageDown(e);
        }
        cache.put(session.id(), session);
    }

    Optional<McpSession> find(String id) {
        McpSession cached = cache.getIfPresent(id);
        if (cached != null) {
            return Optional.of(cached);
        }
        if (storeKnownDown.getAsBoolean()) {
            // Every cached session expires within an outage longer than the cache's life; asking the pool then
            // would hold each call for its connection timeout (seconds) only to refuse it all the same.
            throw storageDown(null);
        }
        try {
            Optional<McpSession> found = store.find(id);
            found.filter(s -> !s.isEnded()).ifPresent(s -> cache.put(id, s));
            return found;
        } catch (JdbiException e) {
            throw storageDown(e);
        }
    }

    /** Ends the session and records that it ended (once, however many replicas try). */
    void end(McpSession session, String reason) {
        String id = session.id();
        cache.invalidate(id);
        boolean ended;
        try {
            ended = store.end(id, reason, Instant.now());
        } catch (JdbiException e) {
            throw storageDown(e);
        } finally {
            // A find() racing with this end may have cached the still-open row in between.
            cache.invalidate(id);
        }
        if (ended) {
            onEnd.accept(session, reason);
        }
    }

    private static McpRefusal storageDown(Exception e) {
        return new McpRefusal(McpRefusal.Reason.STORAGE_UNAVAILABLE,
                "the session store (PostgreSQL) is unavailable; the request was not forwarded",
                null, java.util.Map.of(), e);
    }
}
