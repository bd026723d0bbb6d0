package dev.gatehouse.broker.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.activities.sessions.McpSession;
import dev.gatehouse.broker.auth.Caller;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.Optional;

/**
 * Resolves the session a request names and enforces that it belongs to this upstream and to
 * this caller: a session id is a bearer secret only together with the token that created it.
 */
final class SessionBinding {

    private static final Logger log = LoggerFactory.getLogger(SessionBinding.class);

    private SessionBinding() {
    }

    /** @param id the {@code Mcp-Session-Id} the request carries, or null */
    static Optional<McpSession> resolve(String id, Caller caller, String upstream, SessionDirectory sessions, JsonNode requestId) {
        if (id == null || id.isBlank()) {
            return Optional.empty();
        }
        Optional<McpSession> found;
        try {
            found = sessions.find(id);
        } catch (McpRefusal storeDown) {
            // The directory does not know which request asked; the caller must be told which one was refused.
            throw storeDown.forRequest(requestId);
        }
        McpSession session = found
                .filter(s -> s.upstream().equals(upstream))
                .filter(s -> !s.isEnded())
                .orElseThrow(() -> new McpRefusal(McpRefusal.Reason.UNKNOWN_SESSION,
                        "session not found or ended; send a new initialize request without Mcp-Session-Id",
                        requestId, Map.of(), null));
        if (!session.belongsTo(caller.issuer(), caller.subject())) {
            log.warn("caller {} presented session {} of another caller on upstream {}",
                    caller.subject(), session.id(), upstream);
            throw new McpRefusal(McpRefusal.Reason.SESSION_OF_ANOTHER_CALLER,
                    "this session was created by another caller; sessions are bound to the token's subject",
                    requestId, Map.of(), null);
        }
        return Optional.of(session);
    }
}
