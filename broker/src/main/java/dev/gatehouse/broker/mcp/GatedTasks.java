package dev.gatehouse.broker.mcp;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.activities.approval.ApprovalRecord;
import dev.gatehouse.activities.approval.RecordedDecision;
import dev.gatehouse.activities.sessions.McpSession;
import dev.gatehouse.broker.approval.GatedCallRefusal;
import dev.gatehouse.broker.approval.GatedCalls;
import dev.gatehouse.broker.approval.Hold;
import dev.gatehouse.broker.policy.Decision;
import dev.gatehouse.workflows.gated.GatedCallResult;
import org.jdbi.v3.core.JdbiException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Approval-gated calls as MCP tasks (2025-11-25, {@code basic/utilities/tasks}). A client that declared the
 * {@code tasks} capability at initialize and sends a task-augmented {@code tools/call} that a policy gates gets a
 * {@code CreateTaskResult} at once instead of a held stream; the approval runs exactly as for a held call, and the
 * task is that approval: its id is the approval id, and {@code tasks/get}, {@code tasks/result} and
 * {@code tasks/cancel} are answered from the approval's row and its workflow, so any replica answers them.
 *
 * <p>A task belongs to the caller (token issuer and subject) and upstream that asked for it, not to one session:
 * a client that reconnects, or a retry that attached to the same approval from another session, can still collect
 * it. An approval id ({@code apr-<uuid>}) that is not the caller's is answered as unknown, never forwarded, so
 * nobody learns whose it is; any other task id is the upstream's and is forwarded untouched.
 *
 * <p>A client that did not declare {@code tasks} was never offered them, so a {@code task} in its call is ignored,
 * as MCP asks of a receiver that did not declare the capability: it gets the held stream. Thread-safe; one per broker.
 */
final class GatedTasks {

    static final String RELATED_TASK = "io.modelcontextprotocol/related-task";
    static final Duration POLL_INTERVAL = Duration.ofSeconds(5);
    private static final Pattern APPROVAL_ID =
            Pattern.compile("apr-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    /** How long a status request waits for an approved call's answer that its workflow is still handing over. */
    private static final Duration ANSWER_PATIENCE = Duration.ofSeconds(2);
    /** How long {@code tasks/cancel} waits for the workflow to confirm: the spec wants the task cancelled before answering. */
    private static final Duration CANCEL_CONFIRMATION = Duration.ofSeconds(20);
    /** Parses numbers exactly, so a task's call reaches the upstream with its arguments as sent. */
    private static final ObjectMapper EXACT = JsonMapper.builder()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
            .build();

    private final GatedCalls gatedCalls;
    private final HeldCallStream heldCalls;
    private final Duration keepAlive;

    GatedTasks(GatedCalls gatedCalls, HeldCallStream heldCalls, Duration keepAlive) {
        this.gatedCalls = gatedCalls;
        this.heldCalls = heldCalls;
        this.keepAlive = keepAlive;
    }

    /** A task-augmented {@code tools/call} in a session whose client declared {@code tasks}. */
    static boolean wanted(McpExchange exchange, JsonRpcMessage request) {
        return "tools/call".equals(request.method()) && request.params().path("task").isObject()
                && exchange.session().map(McpSession::clientTasks).orElse(false);
    }

    /**
     * The initialize result as a client that declared {@code tasks} sees it: the upstream's capabilities plus
     * task-augmented {@code tools/call} and {@code tasks/cancel}, which the broker serves for gated calls.
     */
    static MessageFilter advertisedTo(ObjectMapper json, JsonNode initializeId) {
        return text -> {
            JsonNode message;
            try {
                message = json.readTree(text);
            } catch (JacksonException e) {
                return text;
            }
            if (!(message instanceof ObjectNode answer) || !initializeId.equals(answer.get("id"))
                    || !(answer.get("result") instanceof ObjectNode result)) {
                return text;
            }
            ObjectNode tasks = object(object(result, "capabilities"), "tasks");
            object(object(object(tasks, "requests"), "tools"), "call");
            object(tasks, "cancel");
            return GatedAnswer.text(json, answer);
        };
    }

    private static ObjectNode object(ObjectNode parent, String name) {
        return parent.get(name) instanceof ObjectNode child ? child : parent.putObject(name);
    }

    /** Holds the call for approval and answers at once with the task that stands for it. */
    void create(McpExchange exchange, JsonRpcMessage request, Decision.Approve approve) {
        Hold hold = heldCalls.hold(exchange, request, approve, withoutTask(request));
        ApprovalRecord approval = stored(() -> gatedCalls.find(hold.approvalId()), request.id())
                .orElseThrow(() -> new IllegalStateException("approval " + hold.approvalId() + " was held but is not stored"));
        ApprovalTask task = taskOf(exchange, approval, request.id());
        ObjectNode result = exchange.json().createObjectNode();
        result.set("task", task.toJson(exchange.json()));
        // What a host may hand the model while the task runs (a provisional key of the 2025-11-25 spec).
        result.putObject("_meta").put("io.modelcontextprotocol/model-immediate-response", task.statusMessage());
        respond(exchange, request, result);
    }

    /**
     * Answers {@code tasks/get}, {@code tasks/result} and {@code tasks/cancel} naming an approval; false for
     * anything else, which goes upstream (the upstream may run tasks of its own).
     */
    boolean answer(McpExchange exchange, JsonRpcMessage request) {
        String method = request.method() == null ? "" : request.method();
        if (!request.isRequest() || !(method.equals("tasks/get") || method.equals("tasks/result") || method.equals("tasks/cancel"))) {
            return false;
        }
        String taskId = request.params().path("taskId").textValue();
        if (taskId == null || !APPROVAL_ID.matcher(taskId).matches()) {
            return false;
        }
        ApprovalRecord approval = stored(() -> gatedCalls.findRequestedBy(exchange.caller(), exchange.upstream(), taskId), request.id())
                .orElseThrow(() -> new McpRefusal(McpRefusal.Reason.UNKNOWN_TASK, "task " + taskId + " not found",
                        request.id(), Map.of("taskId", taskId), null));
        switch (method) {
            case "tasks/get" -> respond(exchange, request, taskOf(exchange, approval, request.id()).toJson(exchange.json()));
            case "tasks/result" -> result(exchange, request, approval);
            default -> cancel(exchange, request, approval);
        }
        return true;
    }

    /** Returns what the call would have returned, at once when it has ended, else on a stream held until it does. */
    private void result(McpExchange exchange, JsonRpcMessage request, ApprovalRecord approval) {
        if (ApprovalRecord.ABANDONED.equals(approval.status())) {
            // Its workflow is gone: there is no result to wait for, and the call never reached the upstream.
            throw new McpRefusal(McpRefusal.Reason.APPROVAL_FAILED, "call to '" + approval.target() + "' was never decided: approval "
                    + approval.id() + " was abandoned (" + approval.outcomeReason() + "); the call was not forwarded", request.id(),
                    Map.of("approvalId", approval.id(), "outcome", ApprovalRecord.ABANDONED), null);
        }
        CompletableFuture<GatedCallResult> result = resultOf(approval.id(), request.id());
        MessageFilter replies = exchange.replies(request, MessageFilter.NONE);
        if (!approval.isPending()) {
            try {
                tell(exchange, request, approval, result.get(keepAlive.toMillis(), TimeUnit.MILLISECONDS), replies, false);
                return;
            } catch (TimeoutException e) {
                // Decided, but its workflow is still updating the approvers' notices: wait for it on a stream.
            } catch (ExecutionException e) {
                throw HeldCallStream.endedWithoutResult(approval.id(), request.id(), e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw interrupted(approval.id(), request.id());
            }
        }
        exchange.startEventStream(200);
        if (!exchange.sendComment(HeldCallStream.waitingFor(approval.id(), approval.eligibleGroups(), approval.required(),
                approval.deadline()))) {
            return;
        }
        GatedCallResult done = heldCalls.await(exchange, request, approval.id(), result);
        if (done != null) {
            tell(exchange, request, approval, done, replies, true);
        }
    }

    /** Tells the caller how the call ended, as its held stream would have, with the task named in the result's {@code _meta}. */
    private static void tell(McpExchange exchange, JsonRpcMessage request, ApprovalRecord approval, GatedCallResult result,
                             MessageFilter replies, boolean streaming) {
        switch (GatedAnswer.of(exchange.json(), approval.target(), request.id(), result)) {
            case GatedAnswer.Answered answered -> {
                if (answered.message().get("result") instanceof ObjectNode callResult) {
                    object(callResult, "_meta").putObject(RELATED_TASK).put("taskId", approval.id());
                }
                String text = replies.apply(GatedAnswer.text(exchange.json(), answered.message()));
                if (streaming) {
                    exchange.sendEventText(text);
                } else {
                    exchange.writeBytes(200, "application/json", text.getBytes(StandardCharsets.UTF_8));
                }
            }
            case GatedAnswer.Refused refused -> refuse(exchange, request, refused.refusal(), streaming);
            // A held call's stream just ends; a task's result must say something, and this is what happened.
            case GatedAnswer.Cancelled cancelled -> refuse(exchange, request, new McpRefusal(McpRefusal.Reason.APPROVAL_CANCELLED,
                    cancelled.detail(), request.id(), Map.of("approvalId", approval.id(), "outcome", "cancelled"), null), streaming);
        }
    }

    private static void refuse(McpExchange exchange, JsonRpcMessage request, McpRefusal refusal, boolean streaming) {
        if (!streaming) {
            throw refusal;
        }
        exchange.sendRefusal(refusal, request);
    }

    /** Cancels a waiting call's approval and answers with the task once its workflow has ended it. */
    private void cancel(McpExchange exchange, JsonRpcMessage request, ApprovalRecord approval) {
        if (!approval.isPending()) {
            throw ended(exchange, approval, request.id());
        }
        try {
            gatedCalls.cancel(approval.id());
        } catch (GatedCallRefusal refusal) {
            throw HeldCallStream.refused(refusal, request.id());
        }
        try {
            resultOf(approval.id(), request.id()).get(CANCEL_CONFIRMATION.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            // Closed without a result: its row says how it ended.
        } catch (TimeoutException e) {
            throw new McpRefusal(McpRefusal.Reason.APPROVAL_UNAVAILABLE, "the cancellation of task " + approval.id()
                    + " was requested but its approval had not ended after " + CANCEL_CONFIRMATION.toSeconds()
                    + "s; ask tasks/get how it stands", request.id(), Map.of("taskId", approval.id()), null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw interrupted(approval.id(), request.id());
        }
        ApprovalRecord now = stored(() -> gatedCalls.find(approval.id()), request.id()).orElse(approval);
        if (!ApprovalRecord.CANCELLED.equals(now.status())) {
            // Decided before the cancellation arrived: a decided call runs to its end.
            throw ended(exchange, now, request.id());
        }
        respond(exchange, request, taskOf(exchange, now, request.id()).toJson(exchange.json()));
    }

    private McpRefusal ended(McpExchange exchange, ApprovalRecord approval, JsonNode requestId) {
        ApprovalTask task = taskOf(exchange, approval, requestId);
        return new McpRefusal(McpRefusal.Reason.TASK_ENDED, "cannot cancel task " + approval.id() + ": already in terminal status '"
                + task.status() + "' (" + task.statusMessage() + ")", requestId,
                Map.of("taskId", approval.id(), "status", task.status()), null);
    }

    /**
     * The task as the approval stands: pending is {@code working}; approved is {@code completed}, or {@code failed}
     * when the upstream answered with an error or a tool error; denied, expired and abandoned are {@code failed};
     * cancelled is {@code cancelled}.
     */
    private ApprovalTask taskOf(McpExchange exchange, ApprovalRecord approval, JsonNode requestId) {
        String what = "call to '" + approval.target() + "'";
        Instant decided = approval.decidedAt();
        return switch (approval.status()) {
            case ApprovalRecord.PENDING -> task(approval, "working", HeldCallStream.waitingFor(approval.id(),
                    approval.eligibleGroups(), approval.required(), approval.deadline()), lastDecision(approval));
            case ApprovalRecord.APPROVED -> approved(exchange, approval, requestId);
            case ApprovalRecord.DENIED -> task(approval, "failed", what + " " + approval.outcomeReason(), decided);
            case ApprovalRecord.EXPIRED -> task(approval, "failed", what + " expired waiting for approval: "
                    + approval.outcomeReason(), decided);
            case ApprovalRecord.CANCELLED -> task(approval, "cancelled", what + " was " + approval.outcomeReason(), decided);
            case ApprovalRecord.ABANDONED -> task(approval, "failed", what + " was never decided: approval " + approval.id()
                    + " was abandoned (" + approval.outcomeReason() + ")", decided);
            default -> throw new IllegalStateException("approval " + approval.id() + " has status " + approval.status());
        };
    }

    /** An approved call completed unless the upstream's answer says otherwise, which only the workflow's result holds. */
    private ApprovalTask approved(McpExchange exchange, ApprovalRecord approval, JsonNode requestId) {
        String what = "call to '" + approval.target() + "' " + approval.outcomeReason();
        GatedCallResult result;
        try {
            result = resultOf(approval.id(), requestId).get(ANSWER_PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return task(approval, "working", what + "; its answer is being handed over", approval.decidedAt());
        } catch (ExecutionException e) {
            return task(approval, "failed", what + " but its workflow ended without a result (" + e.getCause().getMessage() + ")",
                    approval.decidedAt());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw interrupted(approval.id(), requestId);
        }
        return switch (GatedAnswer.of(exchange.json(), approval.target(), requestId, result)) {
            case GatedAnswer.Answered answered when answered.message().has("error") -> task(approval, "failed", what
                    + " but the upstream answered with an error: " + answered.message().path("error").path("message").asText(),
                    approval.decidedAt());
            case GatedAnswer.Answered answered when answered.message().path("result").path("isError").asBoolean(false) ->
                    task(approval, "failed", what + " but the tool reported an error", approval.decidedAt());
            case GatedAnswer.Answered answered -> task(approval, "completed", what + " and completed", approval.decidedAt());
            case GatedAnswer.Refused refused -> task(approval, "failed", refused.refusal().getMessage(), approval.decidedAt());
            case GatedAnswer.Cancelled cancelled -> task(approval, "cancelled", cancelled.detail(), approval.decidedAt());
        };
    }

    /**
     * The broker overrides a requested ttl: a task lives as long as its approval may wait plus the replay window in
     * which its result is kept for a retry. That is known from the approval's row alone, so every replica answers the
     * same without keeping anything per task (the deadline is rounded to the second: the workflow restates it).
     */
    private ApprovalTask task(ApprovalRecord approval, String status, String message, Instant updated) {
        long waitSeconds = Math.round(Duration.between(approval.createdAt(), approval.deadline()).toMillis() / 1000.0);
        return new ApprovalTask(approval.id(), status, message, approval.createdAt(), updated,
                Duration.ofSeconds(waitSeconds).plus(gatedCalls.replayWindow()), POLL_INTERVAL);
    }

    private static Instant lastDecision(ApprovalRecord approval) {
        return approval.decisions().stream().map(RecordedDecision::decidedAt).max(Instant::compareTo)
                .filter(at -> at.isAfter(approval.createdAt())).orElse(approval.createdAt());
    }

    private CompletableFuture<GatedCallResult> resultOf(String approvalId, JsonNode requestId) {
        try {
            return gatedCalls.resultOf(approvalId);
        } catch (GatedCallRefusal refusal) {
            throw HeldCallStream.refused(refusal, requestId);
        }
    }

    /** Answers a request with a result the broker made, recorded like any answer. */
    private static void respond(McpExchange exchange, JsonRpcMessage request, ObjectNode result) {
        ObjectNode message = exchange.json().createObjectNode();
        message.put("jsonrpc", "2.0");
        message.set("id", request.id());
        message.set("result", result);
        String text = exchange.replies(request, MessageFilter.NONE).apply(GatedAnswer.text(exchange.json(), message));
        exchange.writeBytes(200, "application/json", text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The call as the upstream gets it once approved: without {@code task}, since the broker runs the task and the
     * upstream is asked for a plain answer (one that ran its own task would answer with a task of its own instead).
     */
    private static byte[] withoutTask(JsonRpcMessage request) {
        try {
            ObjectNode call = (ObjectNode) EXACT.readTree(request.raw());
            ((ObjectNode) call.get("params")).remove("task");
            return EXACT.writeValueAsBytes(call);
        } catch (IOException | ClassCastException e) {
            throw new IllegalStateException("a parsed tools/call no longer parses", e);
        }
    }

    private static <T> Optional<T> stored(Supplier<Optional<T>> lookup, JsonNode requestId) {
        try {
            return lookup.get();
        } catch (JdbiException e) {
            throw new McpRefusal(McpRefusal.Reason.STORAGE_UNAVAILABLE, "the approval store (PostgreSQL) is unavailable: "
                    + e.getMessage(), requestId, Map.of(), e);
        }
    }

    private static McpRefusal interrupted(String approvalId, JsonNode requestId) {
        return new McpRefusal(McpRefusal.Reason.APPROVAL_UNAVAILABLE, "the broker was interrupted while looking at task "
                + approvalId + "; ask again", requestId, Map.of("taskId", approvalId), null);
    }
}
