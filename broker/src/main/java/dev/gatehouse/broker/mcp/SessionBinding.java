package dev.gatehouse.broker.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.activities.sessions.McpSession;
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

    static Optional<McpSession> resolve(McpExchange exchange, SessionDirectory sessions, JsonNode requestId) {
        Optional<String> id = exchange.sessionId();
        if (id.isEmpty()) {
            return Optional.empty();
        }
        McpSession session = sessions.find(id.get())
                .filter(s -> s.upstream().equals(exchange.upstream()))
                .filter(s -> !s.isEnded())
                .orElseThrow(() -> new McpRefusal(McpRefusal.Reason.UNKNOWN_SESSION,
                        "session not found or ended; send a new initialize request without Mcp-Session-Id",
                        requestId, Map.of(), null));
        if (!session.belongsTo(exchange.caller().issuer(), exchange.caller().subject())) {
            log.warn("caller {} presented session {} of another caller on upstream {}",
                    exchange.caller().subject(), session.id(), exchange.upstream());
            throw new McpRefusal(McpRefusal.Reason.SESSION_OF_ANOTHER_CALLER,
                    "this session was created by another caller; sessions are bound to the token's subject",
                    requestId, Map.of(), null);
        }
        return Optional.of(session);
    }
}
