package dev.gatehouse.activities.sessions;

import dev.gatehouse.activities.database.Database;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.mapper.RowMapper;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.Optional;

/** MCP sessions in PostgreSQL, shared by every broker replica. Thread-safe. */
public final class SessionStore {

    private static final RowMapper<McpSession> MAPPER = (rs, ctx) -> new McpSession(
            rs.getString("id"),
            rs.getString("upstream"),
            rs.getString("upstream_session_id"),
            McpSession.Transport.fromWireName(rs.getString("transport")),
            rs.getString("caller_issuer"),
            rs.getString("caller_subject"),
            rs.getString("protocol_version"),
            rs.getBoolean("client_tasks"),
            rs.getTimestamp("created_at").toInstant(),
            Optional.ofNullable(rs.getTimestamp("ended_at")).map(Timestamp::toInstant));

    private final Jdbi jdbi;

    public SessionStore(Database database) {
        this.jdbi = database.jdbi();
    }

    /** Stores a new session; committed when this returns, so any replica can serve its next request. */
    public void create(McpSession session) {
        jdbi.useHandle(h -> h.createUpdate("""
                        insert into mcp_session (id, upstream, upstream_session_id, transport,
                                                 caller_issuer, caller_subject, protocol_version, client_tasks, created_at)
                        values (:id, :upstream, :upstreamSessionId, :transport,
                                :callerIssuer, :callerSubject, :protocolVersion, :clientTasks, :createdAt)
                        """)
                .bind("id", session.id())
                .bind("upstream", session.upstream())
                .bind("upstreamSessionId", session.upstreamSessionId())
                .bind("transport", session.transport().wireName())
                .bind("callerIssuer", session.callerIssuer())
                .bind("callerSubject", session.callerSubject())
                .bind("protocolVersion", session.protocolVersion())
                .bind("clientTasks", session.clientTasks())
                .bind("createdAt", Timestamp.from(session.createdAt()))
                .execute());
    }

    public Optional<McpSession> find(String id) {
        return jdbi.withHandle(h -> h.createQuery("select * from mcp_session where id = :id")
                .bind("id", id)
                .map(MAPPER)
                .findOne());
    }

    /** Marks the session ended; returns false if it was unknown or already ended. */
    public boolean end(String id, String reason, Instant at) {
        return jdbi.withHandle(h -> h.createUpdate("""
                        update mcp_session set ended_at = :at, end_reason = :reason
                        where id = :id and ended_at is null
                        """)
                .bind("id", id)
                .bind("reason", reason)
                .bind("at", Timestamp.from(at))
                .execute()) == 1;
    }
}
