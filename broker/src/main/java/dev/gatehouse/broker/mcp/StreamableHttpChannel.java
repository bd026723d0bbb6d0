package dev.gatehouse.broker.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.activities.forward.UpstreamClient;
import dev.gatehouse.activities.forward.UpstreamException;
import dev.gatehouse.activities.forward.UpstreamRequest;
import dev.gatehouse.activities.forward.UpstreamResponse;
import dev.gatehouse.activities.sessions.McpSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * A transparent proxy to a Streamable HTTP upstream (every revision from 2025-03-26 on, sessioned
 * or stateless). JSON answers are passed whole (they are one message, capped in size); SSE
 * answers stream event by event. The upstream's session id is swapped for one the broker mints
 * and binds to the caller.
 */
final class StreamableHttpChannel implements UpstreamChannel {

    private static final Logger log = LoggerFactory.getLogger(StreamableHttpChannel.class);

    static final Duration GET_HEADER_GRACE = Duration.ofSeconds(5);

    private final UpstreamClient client;
    private final SessionDirectory sessions;
    private final int maxMessageBytes;
    private final StreamKeepAlive keepAlive;
    private volatile boolean closed;

    StreamableHttpChannel(UpstreamClient client, SessionDirectory sessions, int maxMessageBytes, StreamKeepAlive keepAlive) {
        this.client = client;
        this.sessions = sessions;
        this.maxMessageBytes = maxMessageBytes;
        this.keepAlive = keepAlive;
    }

    @Override
    public void post(McpExchange exchange, JsonRpcMessage message, MessageFilter replies) {
        Optional<McpSession> session = exchange.session();
        UpstreamRequest request = new UpstreamRequest("POST", client.target().url(),
                upstreamHeaders(exchange, session), message.raw());
        try (UpstreamResponse response = send(request, message.id())) {
            checkCredentialsAccepted(response, message.id());
            Optional<String> brokerSessionId = session.map(McpSession::id);
            if (message.isInitialize() && isSuccess(response.status())) {
                brokerSessionId = response.header(ForwardedHeaders.SESSION_ID)
                        .map(upstreamId -> startSession(exchange, message, upstreamId));
            }
            endSessionIfUpstreamForgotIt(session, response);
            reply(exchange, response, brokerSessionId, message, false, replies);
        }
    }

    /**
     * Opens the caller's GET stream. Some upstreams send no headers until their first event; after
     * {@link #GET_HEADER_GRACE} the broker opens the stream to the caller itself and sends keep-alive
     * comments, so the caller is not left without an answer and a caller who leaves is noticed
     * (and the upstream request abandoned) instead of holding a connection forever.
     */
    @Override
    public void get(McpExchange exchange) {
        Optional<McpSession> session = exchange.session();
        UpstreamRequest request = new UpstreamRequest("GET", client.target().url(), upstreamHeaders(exchange, session), null);
        UpstreamClient.PendingResponse pending = client.open(request);
        Optional<UpstreamResponse> answered = awaitStream(pending, GET_HEADER_GRACE);
        if (answered.isPresent()) {
            try (UpstreamResponse response = answered.get()) {
                checkCredentialsAccepted(response, null);
                endSessionIfUpstreamForgotIt(session, response);
                reply(exchange, response, session.map(McpSession::id), null, true, exchange.replies(null, MessageFilter.NONE));
            }
            return;
        }
        session.ifPresent(s -> exchange.setHeader(ForwardedHeaders.SESSION_ID, s.id()));
        exchange.startEventStream(200);
        while (answered.isEmpty()) {
            if (!exchange.sendComment("waiting for upstream")) {
                pending.abort();
                return;
            }
            try {
                answered = awaitStream(pending, keepAlive.interval());
            } catch (McpRefusal e) {
                if (closed) {
                    return;
                }
                log.warn("upstream {} failed a held GET stream: {}", client.target().name(), e.getMessage());
                return;
            }
        }
        try (UpstreamResponse response = answered.get()) {
            if (response.status() == 200 && response.isEventStream()) {
                SseRelay relay = new SseRelay(maxMessageBytes, exchange.replies(null, MessageFilter.NONE), keepAlive);
                if (relay.relay(response.body(), exchange.body()) == SseRelay.Outcome.NOT_RECORDED) {
                    exchange.sendRefusal(relay.refusal(), null);
                }
            } else {
                log.warn("upstream {} answered a held GET stream with HTTP {}; closing the caller's stream",
                        client.target().name(), response.status());
            }
        }
    }

    private Optional<UpstreamResponse> awaitStream(UpstreamClient.PendingResponse pending, Duration patience) {
        try {
            return pending.await(patience);
        } catch (UpstreamException e) {
            throw new McpRefusal(McpRefusal.Reason.UPSTREAM_UNREACHABLE, e.getMessage(), null,
                    Map.of("upstream", e.upstream()), e);
        }
    }

    @Override
    public void delete(McpExchange exchange) {
        Optional<McpSession> session = exchange.session();
        UpstreamRequest request = new UpstreamRequest("DELETE", client.target().url(), upstreamHeaders(exchange, session), null);
        try (UpstreamResponse response = send(request, null)) {
            checkCredentialsAccepted(response, null);
            if (session.isPresent() && (isSuccess(response.status()) || response.status() == 404)) {
                sessions.end(session.get(), "deleted by client");
            }
            reply(exchange, response, Optional.empty(), null, false, MessageFilter.NONE);
        }
    }

    @Override
    public void close() {
        // Streams held open end now; that is shutdown, not an upstream failure worth a warning each.
        closed = true;
        client.close();
    }

    private String startSession(McpExchange exchange, JsonRpcMessage initialize, String upstreamSessionId) {
        String id = exchange.startingSessionId();
        sessions.create(new McpSession(id, exchange.upstream(), upstreamSessionId, McpSession.Transport.STREAMABLE_HTTP,
                exchange.caller().issuer(), exchange.caller().subject(),
                initialize.declaredProtocolVersion().orElse(null), initialize.declaresClientTasks(), Instant.now(), Optional.empty()));
        return id;
    }

    private void endSessionIfUpstreamForgotIt(Optional<McpSession> session, UpstreamResponse response) {
        if (session.isPresent() && response.status() == 404) {
            sessions.end(session.get(), "upstream no longer knows the session");
        }
    }

    private Map<String, java.util.List<String>> upstreamHeaders(McpExchange exchange, Optional<McpSession> session) {
        return ForwardedHeaders.toUpstream(exchange.headerNames(), exchange::headerValues,
                session.map(McpSession::upstreamSessionId).orElse(null));
    }

    private UpstreamResponse send(UpstreamRequest request, JsonNode requestId) {
        try {
            return client.send(request);
        } catch (UpstreamException.TimedOut e) {
            throw new McpRefusal(McpRefusal.Reason.UPSTREAM_TIMEOUT, e.getMessage(), requestId,
                    Map.of("upstream", e.upstream()), e);
        } catch (UpstreamException e) {
            throw new McpRefusal(McpRefusal.Reason.UPSTREAM_UNREACHABLE, e.getMessage(), requestId,
                    Map.of("upstream", e.upstream()), e);
        }
    }

    private void checkCredentialsAccepted(UpstreamResponse response, JsonNode requestId) {
        if (response.status() == 401 || response.status() == 403) {
            log.warn("upstream {} refused the broker's credentials (HTTP {})", client.target().name(), response.status());
            throw new McpRefusal(McpRefusal.Reason.UPSTREAM_REJECTED_CREDENTIALS,
                    "upstream '" + client.target().name() + "' refused the broker's credentials (HTTP "
                            + response.status() + "); an operator must fix the upstream's configured headers",
                    requestId, Map.of("upstream", client.target().name()), null);
        }
    }

    /**
     * @param mayIdle a GET stream may carry no event for a long time, so its headers are committed at
     *                once; a POST stream's headers leave with its first event, saving a write per call
     */
    private void reply(McpExchange exchange, UpstreamResponse response, Optional<String> brokerSessionId, JsonRpcMessage request,
                       boolean mayIdle, MessageFilter replies) {
        JsonNode requestId = request == null ? null : request.id();
        if (response.isEventStream()) {
            exchange.status(response.status());
            ForwardedHeaders.toClient(response, exchange::setHeader);
            exchange.setHeader("X-Accel-Buffering", "no");
            exchange.setHeader("Cache-Control", "no-cache");
            brokerSessionId.ifPresent(id -> exchange.setHeader(ForwardedHeaders.SESSION_ID, id));
            if (mayIdle && !exchange.flushHeaders()) {
                return;
            }
            ResponseWatch watch = requestId == null ? null : new ResponseWatch(exchange.json(), requestId, replies);
            SseRelay relay = new SseRelay(maxMessageBytes, watch == null ? replies : watch, keepAlive);
            SseRelay.Outcome outcome = relay.relay(response.body(), exchange.body());
            if (outcome == SseRelay.Outcome.EVENT_TOO_LARGE) {
                McpRefusal refusal = tooLarge("an SSE event", requestId);
                log.warn(refusal.getMessage());
                exchange.sendRefusal(refusal, request);
            } else if (outcome == SseRelay.Outcome.NOT_RECORDED) {
                exchange.sendRefusal(relay.refusal(), request);
            } else if (outcome == SseRelay.Outcome.UPSTREAM_BROKE_OFF && watch != null && !watch.answered()) {
                // Left as it is, the caller's stream would just stop and its request wait for ever.
                McpRefusal refusal = brokeOff(requestId, relay.failure());
                if (!closed) {
                    log.warn("{} ({})", refusal.getMessage(), relay.failure().toString());
                }
                exchange.sendRefusal(refusal, request);
            } else if (outcome == SseRelay.Outcome.UPSTREAM_BROKE_OFF) {
                log.info("upstream {} broke off a stream ({}); it owed no response", client.target().name(), relay.failure().toString());
            }
            return;
        }
        byte[] body = filtered(readCapped(response.body(), requestId), replies);
        ForwardedHeaders.toClient(response, exchange::setHeader);
        brokerSessionId.ifPresent(id -> exchange.setHeader(ForwardedHeaders.SESSION_ID, id));
        if (body.length == 0 && (response.status() == 202 || response.status() == 204)) {
            exchange.status(response.status());
            return;
        }
        exchange.writeBytes(response.status(), null, body);
    }

    private static byte[] filtered(byte[] body, MessageFilter replies) {
        if (replies == MessageFilter.NONE || body.length == 0) {
            return body;
        }
        String text = new String(body, java.nio.charset.StandardCharsets.UTF_8);
        String replaced = replies.apply(text);
        return replaced.equals(text) ? body : replaced.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    private byte[] readCapped(InputStream in, JsonNode requestId) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        try {
            int n;
            while ((n = in.read(buffer)) > 0) {
                out.write(buffer, 0, n);
                if (out.size() > maxMessageBytes) {
                    throw tooLarge("a response", requestId);
                }
            }
        } catch (IOException e) {
            throw new McpRefusal(McpRefusal.Reason.UPSTREAM_UNREACHABLE,
                    "upstream '" + client.target().name() + "' broke off its response: " + e.getMessage(),
                    requestId, Map.of("upstream", client.target().name()), e);
        }
        return out.toByteArray();
    }

    /** The details of {@code failure} (addresses) stay in the log; the caller learns what happened and what it means. */
    private McpRefusal brokeOff(JsonNode requestId, IOException failure) {
        return new McpRefusal(McpRefusal.Reason.UPSTREAM_UNREACHABLE,
                "upstream '" + client.target().name() + "' broke off its event stream before answering (connection closed,"
                        + " reset or idle beyond its idleTimeout); the request may have run there",
                requestId, Map.of("upstream", client.target().name()), failure);
    }

    private McpRefusal tooLarge(String what, JsonNode requestId) {
        return new McpRefusal(McpRefusal.Reason.UPSTREAM_MESSAGE_TOO_LARGE,
                "upstream '" + client.target().name() + "' sent " + what + " larger than the limit of "
                        + maxMessageBytes + " bytes (server.maxMessageSize)",
                requestId, Map.of("upstream", client.target().name(), "limitBytes", maxMessageBytes), null);
    }

    private static boolean isSuccess(int status) {
        return status >= 200 && status < 300;
    }
}
