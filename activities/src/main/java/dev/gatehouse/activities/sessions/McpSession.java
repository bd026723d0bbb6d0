package dev.gatehouse.activities.sessions;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One MCP session as the broker knows it: the id it minted for the client, the upstream it
 * belongs to, the upstream's own handle for it, and the caller it is bound to.
 *
 * @param clientTasks the client declared the {@code tasks} capability (MCP 2025-11-25) in its initialize request
 */
public record McpSession(
        String id,
        String upstream,
        String upstreamSessionId,
        Transport transport,
        String callerIssuer,
        String callerSubject,
        String protocolVersion,
        boolean clientTasks,
        Instant createdAt,
        Optional<Instant> endedAt) {

    /** How the broker reaches the upstream for this session. */
    public enum Transport {
        STREAMABLE_HTTP("streamable-http"),
        SSE("sse");

        private final String wireName;

        Transport(String wireName) {
            this.wireName = wireName;
        }

        public String wireName() {
            return wireName;
        }

        public static Transport fromWireName(String name) {
            for (Transport t : values()) {
                if (t.wireName.equals(name)) {
                    return t;
                }
            }
            throw new IllegalArgumentException("unknown transport " + name);
        }
    }

    public McpSession {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(upstream, "upstream");
        Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(callerIssuer, "callerIssuer");
        Objects.requireNonNull(callerSubject, "callerSubject");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(endedAt, "endedAt");
    }

    public boolean isEnded() {
        return endedAt.isPresent();
    }

    public boolean belongsTo(String issuer, String subject) {
        return callerIssuer.equals(issuer) && callerSubject.equals(subject);
    }
}
