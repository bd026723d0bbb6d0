package dev.gatehouse.broker.recording;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.activities.audit.AuditEvent;
import dev.gatehouse.activities.audit.Direction;
import dev.gatehouse.activities.audit.EventKind;
import dev.gatehouse.activities.audit.RecordingSession;
import dev.gatehouse.activities.audit.StorableJson;
import dev.gatehouse.activities.masking.MaskedBytes;
import dev.gatehouse.activities.masking.MaskingProfile;
import dev.gatehouse.activities.sessions.McpSession;
import dev.gatehouse.broker.auth.Caller;
import dev.gatehouse.broker.policy.Decision;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The record of one HTTP exchange of an authenticated caller: the messages it carries both ways,
 * the policy's decision and any refusal, in the caller's MCP session — or, outside any session,
 * in a recording session of the exchange's own. Recorded copies are always masked (with the
 * deciding rule's profile, else {@code default}); what the caller receives is masked only when
 * the deciding rule names a profile.
 *
 * <p>Nothing reaches the caller before everything recorded on the exchange so far is committed:
 * an upstream's message is relayed only once it and the caller's request are on disk. The
 * caller's request is queued before it is forwarded and committed while the upstream works, so a
 * call costs one commit wait, not two; a request is never forwarded while the audit store is
 * known to be down. Used by one request thread at a time.
 */
public final class ExchangeRecording {

    private static final String DEFAULT_PROFILE = "default";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Recorder recorder;
    private final Caller caller;
    private final String upstream;
    private RecordingSession session;
    private Optional<String> maskProfile = Optional.empty();
    private CompletableFuture<Void> unconfirmed = CompletableFuture.completedFuture(null);
    /** Recorded but not yet handed to the writer: a decision travels with the request it decided. */
    private final List<AuditEvent> buffered = new ArrayList<>();

    ExchangeRecording(Recorder recorder, Caller caller, String upstream) {
        this.recorder = recorder;
        this.caller = caller;
        this.upstream = upstream;
    }

    /** The exchange belongs to this (already checked) session of the caller. */
    public void inSession(McpSession mcpSession) {
        session = recordingSession(mcpSession.id(), null, null, mcpSession.protocolVersion(), mcpSession.createdAt());
    }

    /**
     * The exchange starts a session under {@code id} (minted before the initialize is forwarded, so
     * the initialize itself is recorded in it); {@code params} are the initialize's.
     */
    public void startingSession(String id, JsonNode params) {
        JsonNode client = params.path("clientInfo");
        session = recordingSession(id, client.path("name").textValue(), client.path("version").textValue(),
                params.path("protocolVersion").textValue(), Instant.now());
        Map<String, Object> who = new LinkedHashMap<>();
        who.put("issuer", caller.issuer());
        who.put("subject", caller.subject());
        caller.email().ifPresent(email -> who.put("email", email));
        who.put("groups", caller.groups());
        pend(event(Direction.BROKER, EventKind.SESSION_START, "initialize", null, null, "started",
                StorableJson.of(Map.of("caller", who)), 0, Map.of()));
    }

    /** The session id the recording uses (minting an exchange-only one when there is no MCP session). */
    public String sessionId() {
        return session().id();
    }

    /** Records the policy's decision on a call; it is committed together with the call's message. */
    public void decided(String method, JsonNode id, String target, Decision decision) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("policy", decision.rule());
        details.put("policyVersion", decision.policyVersion());
        String outcome = switch (decision) {
            case Decision.Allow allow -> {
                allow.mask().ifPresent(profile -> details.put("mask", profile));
                maskProfile = allow.mask();
                yield "allowed";
            }
            case Decision.Deny deny -> {
                details.put("reason", deny.reason());
                yield "denied";
            }
            case Decision.Approve approve -> {
                details.put("approvers", approve.approval().approvers());
                approve.mask().ifPresent(profile -> details.put("mask", profile));
                maskProfile = approve.mask();
                yield "approval-required";
            }
            case Decision.InsufficientScope scope -> {
                details.put("requiredScopes", scope.required());
                yield "insufficient-scope";
            }
        };
        details.put("outcome", outcome);
        recorder.metrics().policyDecision(decision.rule(), outcome);
        pend(event(Direction.BROKER, EventKind.DECISION, method, idText(id), target, outcome, StorableJson.of(details), 0, Map.of()));
    }

    /**
     * Queues the caller's message for the record; its commit is awaited with the upstream's reply
     * (or by {@link #confirm()} when there is none).
     *
     * @throws RecordingUnavailableException when it cannot be recorded (the audit store is down or
     *                                       behind); it must then not be forwarded
     */
    public void clientMessage(byte[] raw, String method, JsonNode id, String target) {
        pend(callerMessage(raw, method, id, target));
        flush();
        if (unconfirmed.isCompletedExceptionally()) {
            confirm();
        }
    }

    /**
     * Records a caller's message the broker is refusing (it goes nowhere, so nothing waits for
     * this record alone; {@link #refused} waits for both).
     */
    public void refusedMessage(byte[] raw, String method, JsonNode id, String target) {
        pend(callerMessage(raw, method, id, target));
    }

    private AuditEvent callerMessage(byte[] raw, String method, JsonNode id, String target) {
        MaskedBytes masked = recordProfile().mask(raw);
        return event(Direction.CLIENT, EventKind.MESSAGE, method, idText(id), target, null,
                StorableJson.of(new String(masked.bytes(), StandardCharsets.UTF_8)), raw.length, masked.summary().countsByDetector());
    }

    /**
     * What to do with each message the upstream sends back on this exchange, in two steps:
     * applying the function records the message's masked copy and queues it for its commit; the
     * supplier it returns waits for that commit (and everything recorded on the exchange before it)
     * and returns what the caller may see (the same string when unchanged), or throws
     * {@link RecordingUnavailableException}. Messages a stream delivers together are recorded one
     * after the other and then share a commit, instead of waiting for one commit each.
     *
     * <p>One thread applies the function, in stream order; another may call the suppliers, in the
     * same order. Until the last supplier has returned, nothing else may record on this exchange.
     *
     * @param requestMethod the method of the caller's request these are replies to, or null for a GET stream
     */
    public Function<String, Supplier<String>> replies(String requestMethod, String target) {
        MaskingProfile forRecord = recordProfile();
        Optional<MaskingProfile> forCaller = maskProfile.map(recorder::profile);
        return text -> {
            byte[] raw = text.getBytes(StandardCharsets.UTF_8);
            UpstreamMessage message = UpstreamMessage.read(raw, forRecord);
            String method = message.method() != null ? message.method() : requestMethod;
            pend(event(Direction.UPSTREAM, EventKind.MESSAGE, method, message.id(), message.method() == null ? target : null,
                    message.isError() ? "error" : null, message.payload(), raw.length, message.masked().countsByDetector()));
            flush();
            CompletableFuture<Void> committed = unconfirmed;
            return () -> {
                Recorder.await(committed);
                if (forCaller.isEmpty()) {
                    return text;
                }
                MaskedBytes shown = forCaller.get() == forRecord ? message.maskedBytes() : forCaller.get().mask(raw);
                return shown.changed() ? new String(shown.bytes(), StandardCharsets.UTF_8) : text;
            };
        };
    }

    /**
     * Records that the broker refused the request with {@code error} (the JSON-RPC error message it
     * sends). The refusal is sent whatever happens here: a refusal lets nothing through.
     */
    public void refused(String method, JsonNode id, String target, String outcome, JsonNode error) {
        pend(event(Direction.BROKER, EventKind.REFUSAL, method, idText(id), target, outcome,
                StorableJson.of(error), 0, Map.of()));
        // A refusal is sent whatever happened before it (it lets nothing through), often because an earlier record
        // failed: from here on only the refusal's own record is waited for, here and by a later confirm().
        unconfirmed = flush();
        Recorder.awaitQuietly(unconfirmed, "a refusal for " + caller.subject() + " on " + upstream);
    }

    private MaskingProfile recordProfile() {
        return recorder.profile(maskProfile.orElse(DEFAULT_PROFILE));
    }

    private void pend(AuditEvent event) {
        buffered.add(event);
    }

    /** Hands what is buffered to the writer as one unit, committed in one batch; returns that unit's commit. */
    private CompletableFuture<Void> flush() {
        if (buffered.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> committed = recorder.append(session(), List.copyOf(buffered));
        buffered.clear();
        // What committed already need not be waited for again: a long stream must not grow a chain of futures.
        boolean earlierCommitted = unconfirmed.isDone() && !unconfirmed.isCompletedExceptionally();
        unconfirmed = earlierCommitted ? committed : CompletableFuture.allOf(unconfirmed, committed);
        return committed;
    }

    /**
     * Waits until everything recorded on this exchange is committed; called before an answer
     * without a body (202) is acknowledged.
     *
     * @throws RecordingUnavailableException when it was not
     */
    public void confirm() {
        flush();
        CompletableFuture<Void> waiting = unconfirmed;
        unconfirmed = CompletableFuture.completedFuture(null);
        Recorder.await(waiting);
    }

    private RecordingSession session() {
        if (session == null) {
            byte[] bytes = new byte[16];
            RANDOM.nextBytes(bytes);
            session = recordingSession(RecordingSession.EXCHANGE_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes),
                    null, null, null, Instant.now());
        }
        return session;
    }

    private RecordingSession recordingSession(String id, String clientName, String clientVersion, String protocol, Instant started) {
        return new RecordingSession(id, upstream, caller.issuer(), caller.subject(), caller.email().orElse(null), caller.groups(),
                clientName, clientVersion, protocol, started);
    }

    private AuditEvent event(Direction direction, EventKind kind, String method, String id, String target, String outcome,
                             String payload, int size, Map<String, Integer> masked) {
        return new AuditEvent(session().id(), Instant.now(), direction, kind, method, id, target, outcome, payload, size, masked,
                false);
    }

    private static String idText(JsonNode id) {
        return id == null || id.isMissingNode() || id.isNull() ? null : id.toString();
    }
}
