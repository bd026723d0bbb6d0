package dev.gatehouse.broker.mcp;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.activities.sessions.McpSession;
import dev.gatehouse.broker.approval.CallToGate;
import dev.gatehouse.broker.approval.GatedCallRefusal;
import dev.gatehouse.broker.approval.GatedCalls;
import dev.gatehouse.broker.approval.Hold;
import dev.gatehouse.broker.policy.Decision;
import dev.gatehouse.workflows.gated.GatedCallResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Answers an approval-gated request with an SSE stream held open until its approval workflow
 * completes: a {@code notifications/progress} naming the approvers and deadline when the caller
 * sent a progress token, SSE comments as keep-alives, then the result or an error saying who
 * decided what. The request runs on a virtual thread, so waiting costs no platform thread; a
 * caller who leaves only ends its wait: the approval goes on, and retrying the call re-attaches.
 */
final class HeldCallStream {

    private static final Logger log = LoggerFactory.getLogger(HeldCallStream.class);

    private final GatedCalls gatedCalls;
    private final Duration keepAlive;
    /** Completed when the broker stops: held callers are told to retry rather than left hanging. */
    private final CompletableFuture<Void> stopping = new CompletableFuture<>();

    HeldCallStream(GatedCalls gatedCalls, Duration keepAlive) {
        this.gatedCalls = gatedCalls;
        this.keepAlive = keepAlive;
    }

    void respond(McpExchange exchange, JsonRpcMessage request, Decision.Approve approve) {
        // The request is committed before its approval row refers to its session.
        exchange.confirmRecorded(request.id());
        Hold hold;
        try {
            hold = gatedCalls.hold(new CallToGate(exchange.caller(), exchange.upstream(),
                    exchange.session().map(McpSession::id).orElse(null), exchange.recording().sessionId(), request.method(),
                    request.target().orElseThrow(), request.id(), request.params(), request.raw()), approve);
        } catch (GatedCallRefusal refusal) {
            throw new McpRefusal(switch (refusal.reason()) {
                case TOO_MANY_PENDING -> McpRefusal.Reason.TOO_MANY_PENDING_APPROVALS;
                case ENGINE_UNAVAILABLE -> McpRefusal.Reason.APPROVAL_UNAVAILABLE;
            }, refusal.getMessage(), request.id(), refusal.data(), refusal);
        }
        MessageFilter replies = exchange.replies(request, MessageFilter.NONE);
        exchange.startEventStream(200);
        if (!announce(exchange, request, hold)) {
            return;
        }
        GatedCallResult result = await(exchange, request, hold);
        if (result != null) {
            deliver(exchange, request, result, replies);
        }
    }

    /** Tells the caller what it waits for; false when it has gone. */
    private static boolean announce(McpExchange exchange, JsonRpcMessage request, Hold hold) {
        if (hold.replayed()) {
            return true;
        }
        String waitingFor = "waiting for approval " + hold.approvalId() + " by " + String.join(", ", hold.approvers())
                + " (" + hold.required() + " needed) until " + hold.deadline();
        JsonNode token = request.params().path("_meta").path("progressToken");
        if (token.isMissingNode() || token.isNull()) {
            return exchange.sendComment(waitingFor);
        }
        ObjectNode progress = exchange.json().createObjectNode();
        progress.put("jsonrpc", "2.0");
        progress.put("method", "notifications/progress");
        ObjectNode params = progress.putObject("params");
        params.set("progressToken", token);
        params.put("progress", 0);
        params.put("total", hold.required());
        params.put("message", waitingFor);
        return exchange.sendEvent(progress);
    }

    /**
     * The result, or null when the caller left, the broker is stopping or the wait was interrupted (the
     * approval continues in every case).
     */
    private GatedCallResult await(McpExchange exchange, JsonRpcMessage request, Hold hold) {
        CompletableFuture<Object> resultOrStop = CompletableFuture.anyOf(hold.result(), stopping);
        while (true) {
            try {
                resultOrStop.get(keepAlive.toMillis(), TimeUnit.MILLISECONDS);
                if (!hold.result().isDone()) {
                    exchange.sendRefusal(new McpRefusal(McpRefusal.Reason.APPROVAL_UNAVAILABLE, "this broker is shutting down;"
                            + " approval " + hold.approvalId() + " stays pending: retry the call to wait for it again",
                            request.id(), Map.of("approvalId", hold.approvalId()), null), request);
                    return null;
                }
                return hold.result().get();
            } catch (TimeoutException e) {
                if (!exchange.sendComment("waiting for approval " + hold.approvalId())) {
                    log.info("the caller waiting for approval {} left; the approval goes on and a retry re-attaches", hold.approvalId());
                    return null;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            } catch (ExecutionException e) {
                log.warn("approval {} ended without a result: {}", hold.approvalId(), e.getCause().toString());
                exchange.sendRefusal(new McpRefusal(McpRefusal.Reason.APPROVAL_FAILED, "approval " + hold.approvalId()
                        + " ended without a result (" + e.getCause().getMessage() + "); the call was not forwarded by this request",
                        request.id(), Map.of("approvalId", hold.approvalId()), e.getCause()), request);
                return null;
            }
        }
    }

    private static void deliver(McpExchange exchange, JsonRpcMessage request, GatedCallResult result, MessageFilter replies) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("approvalId", result.approvalId());
        data.put("outcome", result.outcome().wireName());
        data.put("decidedBy", result.decisions().stream().map(d -> d.decider().display()).toList());
        String what = "call to '" + request.target().orElse(request.method()) + "'";
        switch (result.outcome()) {
            case APPROVED -> {
                if (result.forwarded().answered()) {
                    exchange.sendEventText(replies.apply(withId(exchange, result.forwarded().response(), request.id())));
                } else {
                    exchange.sendRefusal(new McpRefusal(McpRefusal.Reason.APPROVED_CALL_FAILED, what + " was approved ("
                            + result.detail() + ") but did not complete at the upstream: " + result.forwarded().failure(),
                            request.id(), data, null), request);
                }
            }
            case DENIED -> exchange.sendRefusal(new McpRefusal(McpRefusal.Reason.APPROVAL_DENIED,
                    what + " " + result.detail(), request.id(), data, null), request);
            case EXPIRED -> exchange.sendRefusal(new McpRefusal(McpRefusal.Reason.APPROVAL_EXPIRED,
                    what + " expired waiting for approval: " + result.detail(), request.id(), data, null), request);
            // The caller cancelled it: MCP says no response follows a cancelled request.
            case CANCELLED, PENDING -> {
            }
        }
    }

    /** The upstream's answer carries the id of the request that was forwarded; a re-attached retry gets its own. */
    private static String withId(McpExchange exchange, String response, JsonNode id) {
        try {
            ObjectNode message = (ObjectNode) exchange.json().readTree(response);
            message.set("id", id);
            return exchange.json().writeValueAsString(message);
        } catch (JsonProcessingException | ClassCastException e) {
            throw new IllegalStateException("the recorded answer of a gated call is not a JSON-RPC message", e);
        }
    }

    /** Ends every held stream with an error telling the caller to retry; the approvals themselves go on. */
    void stop() {
        stopping.complete(null);
    }

    /** {@code notifications/cancelled} from the caller: cancels the approval the named request waits for. */
    void cancelled(McpExchange exchange, JsonRpcMessage notification) {
        JsonNode requestId = notification.params().path("requestId");
        if (requestId.isMissingNode() || exchange.session().isEmpty()) {
            return;
        }
        gatedCalls.cancel(exchange.session().get().id(), requestId.toString());
    }
}
