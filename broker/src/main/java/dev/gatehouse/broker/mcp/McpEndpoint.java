package dev.gatehouse.broker.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.broker.auth.AuthenticationException;
import dev.gatehouse.broker.auth.Caller;
import dev.gatehouse.activities.forward.AgentUpstreamClient;
import dev.gatehouse.activities.forward.HttpUpstreamClient;
import dev.gatehouse.activities.forward.UpstreamClient;
import dev.gatehouse.activities.forward.UpstreamTarget;
import dev.gatehouse.broker.auth.TokenVerifier;
import dev.gatehouse.broker.metrics.BrokerMetrics;
import dev.gatehouse.broker.config.ServerSettings;
import dev.gatehouse.broker.config.UpstreamSettings;
import dev.gatehouse.broker.approval.GatedCalls;
import dev.gatehouse.broker.policy.Decision;
import dev.gatehouse.broker.policy.PolicyHolder;
import dev.gatehouse.broker.recording.ExchangeRecording;
import dev.gatehouse.broker.recording.Recorder;
import dev.gatehouse.activities.sessions.McpSession;
import io.javalin.http.Context;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * {@code POST|GET|DELETE /mcp/{upstream}}: checks origin, token, size and shape, then hands the
 * exchange to the upstream's channel. Nothing is forwarded until every check has passed.
 * Thread-safe; one per broker.
 */
public final class McpEndpoint implements AutoCloseable {

    private final Map<String, UpstreamChannel> channels;
    private final SessionDirectory sessions;
    private final Recorder recorder;
    private final PolicyGate policy;
    private final HeldCallStream heldCalls;
    private final GatedTasks tasks;
    private final TokenVerifier tokens;
    private final OriginPolicy origins;
    private final ObjectMapper json;
    private final long maxRequestBytes;
    private final StreamKeepAlive keepAlive;
    private final String resourceBase;
    private final BrokerMetrics metrics;

    /** Request attributes the metrics read when the request ends: its JSON-RPC method, and a refusal sent on its stream. */
    static final String METHOD = "gatehouse.method";
    static final String REFUSED_IN_STREAM = "gatehouse.refusedInStream";

    McpEndpoint(Map<String, UpstreamChannel> channels, SessionDirectory sessions, Recorder recorder, PolicyGate policy,
                HeldCallStream heldCalls, GatedTasks tasks, TokenVerifier tokens,
                OriginPolicy origins,
                ObjectMapper json, long maxRequestBytes, StreamKeepAlive keepAlive, String resourceBase, BrokerMetrics metrics) {
        this.channels = Map.copyOf(channels);
        this.sessions = sessions;
        this.recorder = recorder;
        this.policy = policy;
        this.heldCalls = heldCalls;
        this.tasks = tasks;
        this.tokens = tokens;
        this.origins = origins;
        this.json = json;
        this.maxRequestBytes = maxRequestBytes;
        this.keepAlive = keepAlive;
        this.resourceBase = resourceBase;
        this.metrics = metrics;
    }

    /**
     * Builds the endpoint with one channel per configured upstream.
     *
     * @param resourceBase {@code <publicUrl>/mcp}: an upstream's resource URI, which a token may name as its audience,
     *                     is this plus {@code /<name>}
     */
    public static McpEndpoint create(java.util.List<UpstreamSettings> upstreams, Map<String, UpstreamClient> clients,
                                     SessionDirectory sessions, Recorder recorder, PolicyHolder policy, GatedCalls gatedCalls,
                                     TokenVerifier tokens, OriginPolicy origins, ObjectMapper json, ServerSettings server,
                                     String resourceBase, BrokerMetrics metrics) {
        Map<String, UpstreamChannel> channels = new java.util.LinkedHashMap<>();
        int maxMessage = server.maxMessageSize().asIntBytes();
        StreamKeepAlive keepAlive = new StreamKeepAlive(server.keepAliveInterval());
        for (UpstreamSettings upstream : upstreams) {
            UpstreamClient client = clients.get(upstream.name());
            channels.put(upstream.name(), switch (upstream.transport()) {
                case STREAMABLE_HTTP -> new StreamableHttpChannel(client, sessions, maxMessage, keepAlive);
                case SSE -> new LegacySseChannel(client, sessions, maxMessage, keepAlive);
            });
        }
        HeldCallStream heldCalls = new HeldCallStream(gatedCalls, server.keepAliveInterval());
        McpEndpoint endpoint = new McpEndpoint(channels, sessions, recorder, new PolicyGate(policy, json), heldCalls,
                new GatedTasks(gatedCalls, heldCalls, server.keepAliveInterval()), tokens, origins, json,
                server.maxRequestSize().bytes(), keepAlive, resourceBase, metrics);
        metrics.gauge("gatehouse.held.calls", "approval-gated calls this broker holds open for their callers", heldCalls::held);
        return endpoint;
    }

    /**
     * One client per upstream, shared by the proxy and the gated-call forwarder; the endpoint closes them. An
     * upstream reached through agents gets {@code viaAgent}'s client for its target.
     */
    public static Map<String, UpstreamClient> clients(java.util.List<UpstreamSettings> upstreams,
                                                      java.util.function.BiFunction<UpstreamTarget, String, UpstreamClient> viaAgent) {
        Map<String, UpstreamClient> clients = new java.util.LinkedHashMap<>();
        for (UpstreamSettings upstream : upstreams) {
            java.net.URI address = upstream.viaAgent()
                    ? AgentUpstreamClient.address(upstream.agent().taskQueue(), upstream.name()) : upstream.url().uri();
            UpstreamTarget target = new UpstreamTarget(upstream.name(), address, upstream.headers(), upstream.connectTimeout(),
                    upstream.timeout(), upstream.idleTimeout());
            clients.put(upstream.name(), upstream.viaAgent() ? viaAgent.apply(target, upstream.agent().taskQueue())
                    : new HttpUpstreamClient(target));
        }
        return clients;
    }

    public void post(Context ctx) {
        measured(ctx, "POST", () -> handlePost(ctx));
    }

    public void get(Context ctx) {
        measured(ctx, "GET", () -> handleGet(ctx));
    }

    public void delete(Context ctx) {
        measured(ctx, "DELETE", () -> handleDelete(ctx));
    }

    /** Times a request and counts its outcome; the upstream label is "unknown" for names not configured (callers pick paths). */
    private void measured(Context ctx, String httpMethod, Runnable handler) {
        long started = System.nanoTime();
        String outcome = "ok";
        try {
            handler.run();
        } catch (McpRefusal refusal) {
            outcome = outcomeOf(refusal.reason());
            throw refusal;
        } catch (RuntimeException e) {
            outcome = "error";
            throw e;
        } finally {
            McpRefusal.Reason inStream = ctx.attribute(REFUSED_IN_STREAM);
            if (inStream != null && outcome.equals("ok")) {
                outcome = outcomeOf(inStream);
            }
            String upstream = channels.containsKey(ctx.pathParam("upstream")) ? ctx.pathParam("upstream") : "unknown";
            String method = ctx.attribute(METHOD);
            metrics.mcpRequest(upstream, method == null ? httpMethod : method, outcome, System.nanoTime() - started);
            if (outcome.startsWith("upstream_")) {
                metrics.upstreamError(upstream, outcome);
            }
        }
    }

    private static String outcomeOf(McpRefusal.Reason reason) {
        return reason.name().toLowerCase(java.util.Locale.ROOT);
    }

    private void handlePost(Context ctx) {
        Admitted admitted = admit(ctx);
        JsonRpcMessage message = null;
        boolean recorded = false;
        try {
            message = JsonRpcMessage.parse(readBody(ctx));
            ctx.attribute(METHOD, message.method() == null ? "response" : message.method());
            RoutingHeaders.check(message, ctx::header);
            // The session is checked before the policy, so nobody learns decisions through a session that is not theirs.
            McpExchange exchange = admitted.exchange(message.id());
            if (message.isInitialize() && exchange.session().isEmpty()) {
                exchange.startSession(message, sessions);
            }
            Optional<Decision.Approve> gated = policy.check(exchange, message);
            exchange.recordClientMessage(message);
            recorded = true;
            if (tasks.answer(exchange, message)) {
                return;
            }
            if (gated.isPresent()) {
                if (GatedTasks.wanted(exchange, message)) {
                    tasks.create(exchange, message, gated.get());
                } else {
                    heldCalls.respond(exchange, message, gated.get());
                }
                return;
            }
            if ("notifications/cancelled".equals(message.method())) {
                // Forwarded as well: the upstream may be working on the request (allowed calls), or ignores the id.
                heldCalls.cancelled(exchange, message);
            }
            channel(exchange).post(exchange, message, exchange.replies(message, policy.repliesFor(exchange, message)));
            // An answer without a body (202 for a notification or response) is acknowledged when this returns.
            exchange.confirmRecorded(message.id());
        } catch (McpRefusal refusal) {
            admitted.recordRefusal(refusal, message, !recorded);
            throw refusal;
        }
    }

    private void handleGet(Context ctx) {
        Admitted admitted = admit(ctx);
        try {
            McpExchange exchange = admitted.exchange(null);
            channel(exchange).get(exchange);
        } catch (McpRefusal refusal) {
            admitted.recordRefusal(refusal, null, false);
            throw refusal;
        }
    }

    private void handleDelete(Context ctx) {
        Admitted admitted = admit(ctx);
        try {
            McpExchange exchange = admitted.exchange(null);
            channel(exchange).delete(exchange);
        } catch (McpRefusal refusal) {
            admitted.recordRefusal(refusal, null, false);
            throw refusal;
        }
    }

    /**
     * A request past origin, token and upstream checks, and its recording; its session is resolved
     * once the request id is known. Refusals from here on are recorded: the caller is known.
     */
    private record Admitted(Context ctx, Caller caller, String upstream, ObjectMapper json, SessionDirectory sessions,
                            ExchangeRecording recording) {
        McpExchange exchange(JsonNode requestId) {
            Optional<McpSession> session = SessionBinding.resolve(ctx.header(ForwardedHeaders.SESSION_ID), caller, upstream,
                    sessions, requestId);
            session.ifPresent(recording::inSession);
            return new McpExchange(ctx, caller, upstream, json, session, recording);
        }

        /** @param withMessage the refused message itself is not recorded yet, so record it with the refusal */
        void recordRefusal(McpRefusal refusal, JsonRpcMessage message, boolean withMessage) {
            if (withMessage && message != null && refusal.reason().recordable()) {
                recording.refusedMessage(message.raw(), message.method(), message.id(), message.target().orElse(null));
            }
            McpExchange.recordRefusal(recording, refusal, JsonRpcErrors.of(json, refusal),
                    message == null ? ctx.method().name() : message.method(), message);
        }
    }

    private Admitted admit(Context ctx) {
        if (!origins.permits(ctx.header("Origin"))) {
            throw new McpRefusal(McpRefusal.Reason.FORBIDDEN_ORIGIN,
                    "Origin " + ctx.header("Origin") + " is not allowed (server.allowedOrigins)");
        }
        String upstream = ctx.pathParam("upstream");
        Caller caller = authenticate(ctx.header("Authorization"), resourceBase + "/" + upstream);
        if (!channels.containsKey(upstream)) {
            throw new McpRefusal(McpRefusal.Reason.UNKNOWN_UPSTREAM,
                    "unknown upstream '" + upstream + "'; configured upstreams: " + String.join(", ", new TreeSet<>(channels.keySet())),
                    null, Map.of("upstreams", new TreeSet<>(channels.keySet())), null);
        }
        return new Admitted(ctx, caller, upstream, json, sessions, recorder.exchange(caller, upstream));
    }

    private Caller authenticate(String authorization, String resource) {
        if (authorization == null || authorization.isBlank()) {
            throw new AuthenticationException("a bearer token is required (Authorization: Bearer <JWT>)");
        }
        if (!authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw new AuthenticationException("only Bearer tokens are accepted");
        }
        return tokens.verify(authorization.substring(7).trim(), resource);
    }

    private UpstreamChannel channel(McpExchange exchange) {
        return channels.get(exchange.upstream());
    }

    private byte[] readBody(Context ctx) {
        long declared = ctx.req().getContentLengthLong();
        if (declared > maxRequestBytes) {
            throw tooLarge();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(declared > 0 ? (int) Math.min(declared, 1 << 20) : 1024);
        byte[] buffer = new byte[8192];
        try (InputStream in = ctx.req().getInputStream()) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                out.write(buffer, 0, n);
                if (out.size() > maxRequestBytes) {
                    throw tooLarge();
                }
            }
        } catch (IOException e) {
            throw new McpRefusal(McpRefusal.Reason.PARSE_ERROR, "the request body could not be read: " + e.getMessage());
        }
        return out.toByteArray();
    }

    private McpRefusal tooLarge() {
        return new McpRefusal(McpRefusal.Reason.PAYLOAD_TOO_LARGE,
                "the request body exceeds the limit of " + maxRequestBytes + " bytes (server.maxRequestSize)",
                null, Map.of("limitBytes", maxRequestBytes), null);
    }

    /** Lets held approval-gated calls go (their callers are told to retry), so stopping need not wait for approvers. */
    public void releaseHeldCalls() {
        heldCalls.stop();
    }

    @Override
    public void close() {
        channels.values().forEach(UpstreamChannel::close);
        keepAlive.close();
    }
}
