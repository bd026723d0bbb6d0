package dev.gatehouse.broker.mcp;

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
import java.time.Instant;
import java.util.List;
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
 * A task's {@code tasks/result} waits the same way (see {@link GatedTasks}).
 */
final class HeldCallStream {

    private static final Logger log = LoggerFactory.getLogger(HeldCallStream.class);

    private final GatedCalls gatedCalls;
    private final Duration keepAlive;
    /** Completed when the broker stops: held callers are told to retry rather than left hanging. */
    private final CompletableFuture<Void> stopping = new CompletableFuture<>();
    private final java.util.concurrent.atomic.AtomicInteger held = new java.util.concurrent.atomic.AtomicInteger();

    HeldCallStream(GatedCalls gatedCalls, Duration keepAlive) {
        this.gatedCalls = gatedCalls;
        this.keepAlive = keepAlive;
    }

    /** Calls held open right now, waiting for their approval. */
    int held() {
        return held.get();
    }

    void respond(McpExchange exchange, JsonRpcMessage request, Decision.Approve approve) {
        held.incrementAndGet();
        try {
            respondHeld(exchange, request, approve);
        } finally {
            held.decrementAndGet();
        }
    }

    private void respondHeld(McpExchange exchange, JsonRpcMessage request, Decision.Approve approve) {
        Hold hold = hold(exchange, request, approve, request.raw());
        MessageFilter replies = exchange.replies(request, MessageFilter.NONE);
        exchange.startEventStream(200);
        if (!announce(exchange, request, hold)) {
            return;
        }
        GatedCallResult result = await(exchange, request, hold.approvalId(), hold.result());
        if (result == null) {
            return;
        }
        switch (GatedAnswer.of(exchange.json(), request.target().orElse(request.method()), request.id(), result)) {
            case GatedAnswer.Answered answered -> exchange.sendEventText(replies.apply(GatedAnswer.text(exchange.json(), answered.message())));
            case GatedAnswer.Refused refused -> exchange.sendRefusal(refused.refusal(), request);
            // The caller cancelled it: MCP says no response follows a cancelled request.
            case GatedAnswer.Cancelled cancelled -> {
            }
        }
    }

    /**
     * Holds a gated request for its approval: a new one, the pending one of an identical call, or the recorded result
     * of one that just completed.
     *
     * @param forwarded what the upstream gets once approved: the request as sent, or as a task's call without {@code task}
     */
    Hold hold(McpExchange exchange, JsonRpcMessage request, Decision.Approve approve, byte[] forwarded) {
        // The request is committed before its approval row refers to its session.
        exchange.confirmRecorded(request.id());
        try {
            return gatedCalls.hold(new CallToGate(exchange.caller(), exchange.upstream(),
                    exchange.session().map(McpSession::id).orElse(null), exchange.recording().sessionId(), request.method(),
                    request.target().orElseThrow(), request.id(), request.params(), forwarded,
                    CallerTraceContext.of(exchange::header, request.params()).orElse(null)), approve);
        } catch (GatedCallRefusal refusal) {
            throw refused(refusal, request.id());
        }
    }

    static McpRefusal refused(GatedCallRefusal refusal, JsonNode requestId) {
        return new McpRefusal(switch (refusal.reason()) {
            case TOO_MANY_PENDING -> McpRefusal.Reason.TOO_MANY_PENDING_APPROVALS;
            case ENGINE_UNAVAILABLE -> McpRefusal.Reason.APPROVAL_UNAVAILABLE;
        }, refusal.getMessage(), requestId, refusal.data(), refusal);
    }

    /** What a caller waits for, in words: the approval, its approvers, how many must approve, and until when. */
    static String waitingFor(String approvalId, List<String> approvers, int required, Instant deadline) {
        return "waiting for approval " + approvalId + " by " + String.join(", ", approvers) + " (" + required + " needed) until "
                + deadline;
    }

    /** Tells the caller what it waits for; false when it has gone. */
    private static boolean announce(McpExchange exchange, JsonRpcMessage request, Hold hold) {
        if (hold.replayed()) {
            return true;
        }
        String waitingFor = waitingFor(hold.approvalId(), hold.approvers(), hold.required(), hold.deadline());
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
     * Waits on an SSE stream already started, with keep-alive comments, for an approval's result. Returns it, or
     * null when the caller left, the broker is stopping, the wait was interrupted or the approval ended without a
     * result (the approval continues, or is recorded, in every case; the caller was told what it could be told).
     */
    GatedCallResult await(McpExchange exchange, JsonRpcMessage request, String approvalId, CompletableFuture<GatedCallResult> result) {
        CompletableFuture<Object> resultOrStop = CompletableFuture.anyOf(result, stopping);
        while (true) {
            try {
                resultOrStop.get(keepAlive.toMillis(), TimeUnit.MILLISECONDS);
                if (!result.isDone()) {
                    exchange.sendRefusal(new McpRefusal(McpRefusal.Reason.APPROVAL_UNAVAILABLE, "this broker is shutting down;"
                            + " approval " + approvalId + " stays pending: retry the call to wait for it again",
                            request.id(), Map.of("approvalId", approvalId), null), request);
                    return null;
                }
                return result.get();
            } catch (TimeoutException e) {
                if (!exchange.sendComment("waiting for approval " + approvalId)) {
                    log.info("the caller waiting for approval {} left; the approval goes on and a retry re-attaches", approvalId);
                    return null;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            } catch (ExecutionException e) {
                exchange.sendRefusal(endedWithoutResult(approvalId, request.id(), e.getCause()), request);
                return null;
            }
        }
    }

    static McpRefusal endedWithoutResult(String approvalId, JsonNode requestId, Throwable cause) {
        log.warn("approval {} ended without a result: {}", approvalId, cause.toString());
        return new McpRefusal(McpRefusal.Reason.APPROVAL_FAILED, "approval " + approvalId + " ended without a result ("
                + cause.getMessage() + "); the call was not forwarded by this request", requestId, Map.of("approvalId", approvalId), cause);
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
