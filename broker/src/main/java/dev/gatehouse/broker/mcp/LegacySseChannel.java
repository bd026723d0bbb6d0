package dev.gatehouse.broker.mcp;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.activities.forward.UpstreamClient;
import dev.gatehouse.activities.forward.UpstreamException;
import dev.gatehouse.activities.sessions.McpSession;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Bridges callers speaking Streamable HTTP to an upstream that only speaks the legacy HTTP+SSE
 * transport (2024-11-05). Each caller session holds one upstream SSE connection in this process:
 * the session row is shared, but the live connection is not, so a request for a legacy session
 * reaching another replica (or this one after a restart) is answered 404 and the client starts
 * a new session, as MCP clients do on 404.
 */
final class LegacySseChannel implements UpstreamChannel {

    private final UpstreamClient client;
    private final SessionDirectory sessions;
    private final int maxMessageBytes;
    private final StreamKeepAlive keepAlive;
    private final Duration timeout;
    private final Map<String, LegacyConnection> live = new ConcurrentHashMap<>();

    LegacySseChannel(UpstreamClient client, SessionDirectory sessions, int maxMessageBytes, StreamKeepAlive keepAlive) {
        this.client = client;
        this.sessions = sessions;
        this.maxMessageBytes = maxMessageBytes;
        this.keepAlive = keepAlive;
        this.timeout = client.target().timeout();
    }

    @Override
    public void post(McpExchange exchange, JsonRpcMessage message, MessageFilter replies) {
        if (message.isInitialize()) {
            initialize(exchange, message, replies);
            return;
        }
        LegacyConnection connection = connectionFor(exchange, message.id());
        if (!message.isRequest()) {
            try {
                connection.postRaw(message.raw());
            } catch (UpstreamException e) {
                throw unreachable(e, message.id());
            }
            exchange.status(202);
            return;
        }
        answer(exchange, connection, message, Optional.empty(), replies);
    }

    private void initialize(McpExchange exchange, JsonRpcMessage message, MessageFilter replies) {
        LegacyConnection connection;
        try {
            connection = LegacyConnection.open(client, exchange.json(), maxMessageBytes, client.target().connectTimeout().plus(timeout));
        } catch (UpstreamException e) {
            throw unreachable(e, message.id());
        }
        String id = exchange.startingSessionId();
        McpSession session = new McpSession(id, exchange.upstream(), connection.endpoint().toString(), McpSession.Transport.SSE,
                exchange.caller().issuer(), exchange.caller().subject(),
                message.declaredProtocolVersion().orElse(null), message.declaresClientTasks(), Instant.now(), Optional.empty());
        try {
            sessions.create(session);
        } catch (RuntimeException e) {
            connection.close();
            throw e;
        }
        live.put(id, connection);
        connection.ended().thenRun(() -> {
            if (live.remove(id, connection)) {
                sessions.end(session, "the legacy upstream closed its SSE stream");
            }
        });
        answer(exchange, connection, message, Optional.of(id), replies);
    }

    /** Streams everything routed to this request until its response arrives; exactly one answer per request. */
    private void answer(McpExchange exchange, LegacyConnection connection, JsonRpcMessage message, Optional<String> sessionId,
                        MessageFilter replies) {
        BlockingQueue<JsonNode> sink;
        try {
            sink = connection.request(message);
        } catch (UpstreamException e) {
            throw unreachable(e, message.id());
        }
        sessionId.ifPresent(id -> exchange.setHeader(ForwardedHeaders.SESSION_ID, id));
        exchange.startEventStream(200);
        JsonNode token = message.params().path("_meta").path("progressToken");
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            while (true) {
                JsonNode next = sink.poll(keepAlive.interval().toMillis(), TimeUnit.MILLISECONDS);
                if (next == null) {
                    if (System.nanoTime() > deadline) {
                        exchange.sendRefusal(new McpRefusal(McpRefusal.Reason.UPSTREAM_TIMEOUT,
                                "upstream '" + client.target().name() + "' sent nothing for " + timeout.toMillis() + " ms",
                                message.id(), Map.of("upstream", client.target().name()), null), message);
                        return;
                    }
                    if (!exchange.sendComment("keep-alive")) {
                        return;
                    }
                    continue;
                }
                if (LegacyConnection.isEnd(next)) {
                    exchange.sendRefusal(new McpRefusal(McpRefusal.Reason.UPSTREAM_UNREACHABLE,
                            "upstream '" + client.target().name() + "' closed its SSE stream before answering",
                            message.id(), Map.of("upstream", client.target().name()), null), message);
                    return;
                }
                deadline = System.nanoTime() + timeout.toNanos();
                JsonNode passed;
                try {
                    passed = filtered(exchange, next, replies);
                } catch (McpRefusal notRecorded) {
                    exchange.sendRefusal(notRecorded, message);
                    return;
                }
                if (!exchange.sendEvent(passed)) {
                    return;
                }
                if (!next.has("method") && next.has("id")) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            connection.forget(message.id(), token);
        }
    }

    private static JsonNode filtered(McpExchange exchange, JsonNode message, MessageFilter replies) {
        if (replies == MessageFilter.NONE) {
            return message;
        }
        try {
            String text = exchange.json().writeValueAsString(message);
            String replaced = replies.apply(text);
            return replaced.equals(text) ? message : exchange.json().readTree(replaced);
        } catch (JacksonException e) {
            return message;
        }
    }

    @Override
    public void get(McpExchange exchange) {
        LegacyConnection connection = connectionFor(exchange, null);
        MessageFilter replies = exchange.replies(null, MessageFilter.NONE);
        BlockingQueue<JsonNode> sink = connection.listen();
        exchange.startEventStream(200);
        try {
            while (true) {
                JsonNode next = sink.poll(keepAlive.interval().toMillis(), TimeUnit.MILLISECONDS);
                if (next != null && LegacyConnection.isEnd(next)) {
                    return;
                }
                // Silence is answered with a comment so a vanished caller is noticed and the stream released.
                boolean delivered;
                try {
                    delivered = next == null ? exchange.sendComment("keep-alive") : exchange.sendEvent(filtered(exchange, next, replies));
                } catch (McpRefusal notRecorded) {
                    exchange.sendRefusal(notRecorded, null);
                    return;
                }
                if (!delivered) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            connection.stopListening(sink);
        }
    }

    @Override
    public void delete(McpExchange exchange) {
        McpSession session = exchange.session()
                .orElseThrow(() -> new McpRefusal(McpRefusal.Reason.INVALID_REQUEST, "DELETE needs an Mcp-Session-Id header"));
        LegacyConnection connection = live.remove(session.id());
        if (connection != null) {
            connection.close();
        }
        sessions.end(session, "deleted by client");
        exchange.status(200);
    }

    private LegacyConnection connectionFor(McpExchange exchange, JsonNode requestId) {
        McpSession session = exchange.session()
                .orElseThrow(() -> new McpRefusal(McpRefusal.Reason.INVALID_REQUEST,
                        "Mcp-Session-Id header is required after initialize", requestId, Map.of(), null));
        LegacyConnection connection = live.get(session.id());
        if (connection == null || connection.isClosed()) {
            sessions.end(session, "legacy upstream connection not held by this broker");
            throw new McpRefusal(McpRefusal.Reason.UNKNOWN_SESSION,
                    "the legacy upstream connection for this session is gone; send a new initialize request",
                    requestId, Map.of(), null);
        }
        return connection;
    }

    private static McpRefusal unreachable(UpstreamException e, JsonNode requestId) {
        McpRefusal.Reason reason = e instanceof UpstreamException.TimedOut
                ? McpRefusal.Reason.UPSTREAM_TIMEOUT : McpRefusal.Reason.UPSTREAM_UNREACHABLE;
        return new McpRefusal(reason, e.getMessage(), requestId, Map.of("upstream", e.upstream()), e);
    }

    @Override
    public void close() {
        live.values().forEach(LegacyConnection::close);
        live.clear();
        client.close();
    }
}
