package dev.gatehouse.activities.forward;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.activities.audit.StorableJson;
import dev.gatehouse.activities.masking.MaskedBytes;
import dev.gatehouse.activities.masking.MaskingProfile;
import dev.gatehouse.activities.masking.MaskingProfiles;
import dev.gatehouse.activities.sessions.McpSession;
import dev.gatehouse.activities.sessions.SessionStore;
import dev.gatehouse.workflows.gated.ForwardActivities;
import dev.gatehouse.workflows.gated.ForwardResult;
import dev.gatehouse.workflows.gated.GatedCall;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/**
 * Sends an approved call to its upstream once, in the caller's upstream session, and hands back
 * the upstream's response masked. Runs as an activity with a single attempt, so it never throws
 * for upstream trouble: every failure becomes a {@link ForwardResult#failed} that says whether the
 * call was sent (and so may have run). Only Streamable HTTP upstreams are supported.
 *
 * <p>The caller's token never goes upstream: the request carries only the headers built here, and
 * {@link UpstreamClient} adds the broker's configured credentials. Thread-safe.
 */
public final class GatedCallForwarder implements ForwardActivities {

    private static final Logger log = LoggerFactory.getLogger(GatedCallForwarder.class);

    /** Temporal payloads must stay small (history events are limited to a few MiB); 1 MiB leaves room for the rest. */
    public static final int DEFAULT_MAX_RESPONSE_BYTES = 1 << 20;

    private static final String NOT_SENT = "; the call was not sent";
    private static final String MAY_HAVE_RUN = "; the call may have run";

    private final Map<String, UpstreamClient> upstreams;
    private final SessionStore sessions;
    private final Function<String, MaskingProfile> profiles;
    private final int maxResponseBytes;

    /**
     * @param upstreams by configured name; the forwarder does not close them
     * @param profiles  the compiled masking profile of a name ({@code MaskingProfiles::profile}, or a lookup in whatever
     *                  profiles the broker runs with now); a call whose policy names none is masked with
     *                  {@value MaskingProfiles#DEFAULT}, since its answer is also recorded and kept in workflow history
     */
    public GatedCallForwarder(Map<String, UpstreamClient> upstreams, SessionStore sessions, Function<String, MaskingProfile> profiles) {
        this(upstreams, sessions, profiles, DEFAULT_MAX_RESPONSE_BYTES);
    }

    GatedCallForwarder(Map<String, UpstreamClient> upstreams, SessionStore sessions, Function<String, MaskingProfile> profiles,
                       int maxResponseBytes) {
        this.upstreams = Map.copyOf(upstreams);
        this.sessions = Objects.requireNonNull(sessions, "sessions");
        this.profiles = Objects.requireNonNull(profiles, "profiles");
        if (maxResponseBytes < 1) {
            throw new IllegalArgumentException("maxResponseBytes cannot be less than 1");
        }
        this.maxResponseBytes = maxResponseBytes;
    }

    @Override
    public ForwardResult forward(GatedCall call) {
        ForwardResult result;
        try {
            result = send(prepare(call), call);
        } catch (NotSent e) {
            result = ForwardResult.failed(e.getMessage() + NOT_SENT);
        } catch (RuntimeException e) {
            // Nothing should get here; if something does, the request may have left.
            log.error("forwarding approval {} to {} failed unexpectedly", call.approvalId(), call.upstream(), e);
            result = ForwardResult.failed("forwarding to upstream '" + call.upstream() + "' failed unexpectedly (" + e + ")"
                    + MAY_HAVE_RUN);
        }
        if (!result.answered()) {
            log.warn("approval {}: {} {} on {} was not answered: {}", call.approvalId(), call.method(), call.target(),
                    call.upstream(), result.failure());
        }
        return result;
    }

    /** Everything a call needs before it is sent: its upstream, masking profile, request and session. */
    private record Ready(UpstreamClient client, UpstreamRequest request, JsonNode requestId, MaskingProfile profile) {
    }

    /** Why a call was not sent; it never left the broker. */
    private static final class NotSent extends RuntimeException {
        NotSent(String message) {
            super(message, null, false, false);
        }
    }

    private Ready prepare(GatedCall call) {
        try {
            UpstreamClient client = upstreams.get(call.upstream());
            if (client == null) {
                throw new NotSent("upstream '" + call.upstream() + "' is not configured");
            }
            String profileName = call.policy().maskProfile() == null ? MaskingProfiles.DEFAULT : call.policy().maskProfile();
            MaskingProfile profile;
            try {
                profile = profiles.apply(profileName);
            } catch (IllegalArgumentException e) {
                throw new NotSent(e.getMessage());
            }
            JsonNode request;
            try {
                request = StorableJson.parse(call.request());
            } catch (IllegalArgumentException e) {
                throw new NotSent("the held request is not JSON");
            }
            Optional<McpSession> session = Optional.empty();
            if (call.sessionId() != null) {
                session = sessions.find(call.sessionId());
                unusable(session, call).ifPresent(why -> {
                    throw new NotSent(why);
                });
            }
            UpstreamRequest upstreamRequest = new UpstreamRequest("POST", client.target().url(),
                    GatedCallHeaders.of(call, request, session), call.request().getBytes(StandardCharsets.UTF_8));
            return new Ready(client, upstreamRequest, request.path("id"), profile);
        } catch (NotSent e) {
            throw e;
        } catch (RuntimeException e) {
            // The session store is PostgreSQL; anything failing here failed before a byte left.
            log.warn("approval {}: forwarding could not be prepared", call.approvalId(), e);
            throw new NotSent("forwarding could not be prepared (" + e.getClass().getSimpleName() + ", details in the broker's log)");
        }
    }

    private static Optional<String> unusable(Optional<McpSession> found, GatedCall call) {
        if (found.isEmpty()) {
            return Optional.of("the caller's MCP session " + call.sessionId() + " is unknown");
        }
        McpSession session = found.get();
        if (!session.upstream().equals(call.upstream())) {
            return Optional.of("MCP session " + session.id() + " belongs to upstream '" + session.upstream() + "', not '"
                    + call.upstream() + "'");
        }
        if (session.isEnded()) {
            return Optional.of("the caller's MCP session " + session.id() + " ended while the call waited for approval");
        }
        if (session.transport() != McpSession.Transport.STREAMABLE_HTTP) {
            return Optional.of("gated calls on legacy SSE upstreams are not supported yet");
        }
        return Optional.empty();
    }

    private ForwardResult send(Ready ready, GatedCall call) {
        String upstream = ready.client().target().name();
        UpstreamClient.PendingResponse pending;
        try {
            pending = ready.client().open(ready.request());
        } catch (RuntimeException e) {
            log.warn("approval {}: the client of upstream {} refused the request", call.approvalId(), upstream, e);
            throw new NotSent("upstream '" + upstream + "' could not take the request (" + e.getClass().getSimpleName() + ")");
        }
        Optional<UpstreamResponse> answered;
        try {
            answered = pending.await(call.forwardTimeout());
        } catch (UpstreamException e) {
            return ForwardResult.failed(e.getMessage() + (wasNotSent(e.getCause()) ? NOT_SENT : MAY_HAVE_RUN));
        }
        if (answered.isEmpty()) {
            pending.abort();
            return ForwardResult.failed(timedOut(upstream, call));
        }
        // One deadline for the whole answer, not only its headers: an SSE answer may trickle for ever.
        AtomicBoolean expired = new AtomicBoolean();
        CompletableFuture<Void> deadline = new CompletableFuture<>();
        deadline.orTimeout(call.forwardTimeout().toMillis(), TimeUnit.MILLISECONDS).whenComplete((v, e) -> {
            if (e instanceof TimeoutException) {
                expired.set(true);
                pending.abort();
            }
        });
        byte[] message;
        try (UpstreamResponse response = answered.get()) {
            Optional<String> refused = refusal(upstream, response.status(), call);
            if (refused.isPresent()) {
                return ForwardResult.failed(refused.get());
            }
            AnswerReader reader = new AnswerReader(ready.requestId(), maxResponseBytes);
            message = response.isEventStream() ? reader.fromEvents(response.body()) : reader.fromJson(response.body());
        } catch (UnusableAnswer e) {
            return ForwardResult.failed("upstream '" + upstream + "': " + e.getMessage() + MAY_HAVE_RUN);
        } catch (IOException | RuntimeException e) {
            // Jetty reports an aborted body as an IOException or as the abort's own CancellationException.
            return ForwardResult.failed(expired.get() ? timedOut(upstream, call)
                    : "upstream '" + upstream + "' broke off its answer" + MAY_HAVE_RUN);
        } finally {
            deadline.complete(null);
        }
        MaskedBytes masked = ready.profile().mask(message);
        return ForwardResult.answered(new String(masked.bytes(), StandardCharsets.UTF_8));
    }

    /** Why a status that carries no result is one; empty for a 2xx that may carry the response. */
    private static Optional<String> refusal(String upstream, int status, GatedCall call) {
        if (status == 401 || status == 403) {
            return Optional.of("upstream '" + upstream + "' refused the broker's credentials (HTTP " + status
                    + "); an operator must fix the upstream's configured headers; the call was not run");
        }
        if (status == 404 && call.sessionId() != null) {
            return Optional.of("upstream '" + upstream + "' no longer knows the caller's session (HTTP 404); the call was not run");
        }
        if (status == 202 || status == 204) {
            return Optional.of("upstream '" + upstream + "' accepted the call (HTTP " + status + ") without answering it"
                    + MAY_HAVE_RUN);
        }
        if (status < 200 || status >= 300) {
            return Optional.of("upstream '" + upstream + "' answered HTTP " + status + " instead of a result"
                    + (status >= 500 ? MAY_HAVE_RUN : "; the call was refused"));
        }
        return Optional.empty();
    }

    private static String timedOut(String upstream, GatedCall call) {
        return "upstream '" + upstream + "' did not answer within " + call.forwardTimeout().toMillis() + " ms" + MAY_HAVE_RUN;
    }

    /** Failures that happen before a byte of the request leaves: no connection, no host, no TLS session. */
    private static boolean wasNotSent(Throwable cause) {
        return cause instanceof ConnectException
                || cause instanceof UnknownHostException
                || cause instanceof javax.net.ssl.SSLHandshakeException
                || cause instanceof SocketTimeoutException;
    }
}
