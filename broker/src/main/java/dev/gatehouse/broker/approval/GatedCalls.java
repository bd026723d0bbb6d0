package dev.gatehouse.broker.approval;

import dev.gatehouse.activities.approval.ApprovalRecord;
import dev.gatehouse.activities.approval.ApprovalStore;
import dev.gatehouse.activities.approval.Claim;
import dev.gatehouse.broker.auth.Caller;
import dev.gatehouse.broker.config.GatedCallSettings;
import dev.gatehouse.broker.metrics.BrokerMetrics;
import dev.gatehouse.broker.policy.Decision;
import dev.gatehouse.workflows.gated.ApprovalState;
import dev.gatehouse.workflows.gated.DecisionRefusal;
import dev.gatehouse.workflows.gated.DecisionRequest;
import dev.gatehouse.workflows.gated.GatedCall;
import dev.gatehouse.workflows.gated.GatedCallResult;
import dev.gatehouse.workflows.gated.GatedCallSearchAttributes;
import dev.gatehouse.workflows.gated.GatedCallWorkflow;
import dev.gatehouse.workflows.gated.Outcome;
import io.temporal.api.enums.v1.WorkflowIdConflictPolicy;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowException;
import io.temporal.client.WorkflowNotFoundException;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.client.WorkflowUpdateException;
import io.temporal.common.SearchAttributes;
import io.temporal.failure.ApplicationFailure;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Runs approval-gated calls as {@link GatedCallWorkflow}s: starts one per distinct call, attaches
 * retries of a waiting call to it, answers identical calls just after completion with the recorded
 * result, cancels on the caller's behalf and passes approvers' decisions in. PostgreSQL decides
 * which approval a call belongs to (one pending approval per identical call), Temporal holds its
 * state; the broker holds nothing that a restart could lose. Thread-safe.
 */
public final class GatedCalls {

    private static final Logger log = LoggerFactory.getLogger(GatedCalls.class);

    /** How long a decider waits for the workflow to take a decision before being told to look again. */
    private static final java.time.Duration DECISION_PATIENCE = java.time.Duration.ofSeconds(20);
    private static final java.time.Duration NOT_STARTED_PAUSE = java.time.Duration.ofMillis(100);
    private static final java.util.concurrent.Executor DECIDING = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor();

    private final WorkflowClient client;
    private final BrokerMetrics metrics;
    private final String taskQueue;
    private final ApprovalStore store;
    private final GatedCallFactory calls;
    private final GatedCallSettings settings;

    /**
     * @param approvers   the approver groups as configured; each approval freezes the members of the groups it names
     * @param previewMask masks the arguments approvers are shown
     * @param forwardTimeouts each upstream's timeout, which an approved call gets when it is forwarded
     */
    public static GatedCalls create(WorkflowClient client, String taskQueue, ApprovalStore store,
                                    Map<String, dev.gatehouse.broker.config.ApproverGroup> approvers,
                                    dev.gatehouse.activities.masking.MaskingProfile previewMask,
                                    Map<String, java.time.Duration> forwardTimeouts, GatedCallSettings settings,
                                    BrokerMetrics metrics) {
        return new GatedCalls(client, taskQueue, store, new GatedCallFactory(approvers, previewMask, forwardTimeouts), settings,
                metrics);
    }

    GatedCalls(WorkflowClient client, String taskQueue, ApprovalStore store, GatedCallFactory calls, GatedCallSettings settings,
               BrokerMetrics metrics) {
        this.client = client;
        this.taskQueue = taskQueue;
        this.store = store;
        this.calls = calls;
        this.settings = settings;
        this.metrics = metrics;
    }

    /**
     * Holds {@code request} for approval: the recorded result of an identical call that completed within
     * the replay window, else the pending approval of an identical call, else a new approval.
     *
     * @throws GatedCallRefusal when the caller has too many approvals waiting or Temporal is unreachable
     */
    public Hold hold(CallToGate request, Decision.Approve approve) {
        GatedCall call = calls.build(request, approve);
        Optional<ApprovalRecord> recent = store.recentlyCompleted(call.callKey(), settings.replayWindow());
        if (recent.isPresent()) {
            ApprovalRecord done = recent.get();
            log.info("call {} on {} by {} completed moments ago as approval {}: answering with its recorded result",
                    call.target(), call.upstream(), call.requester().subject(), done.id());
            return new Hold(done.id(), done.eligibleGroups(), done.required(), done.deadline(), resultOf(done.id()), true);
        }
        Instant deadline = Instant.now().plus(call.policy().timeout());
        Claim claim = store.claim(call, deadline, settings.maxPendingPerCaller());
        return switch (claim) {
            case Claim.Claimed claimed -> start(call, deadline);
            case Claim.Attached attached -> attach(call, attached.approvalId());
            case Claim.TooManyPending limit -> throw new GatedCallRefusal(GatedCallRefusal.Reason.TOO_MANY_PENDING,
                    "you have " + limit.pending() + " approvals waiting already, the most one caller may have (gatedCalls."
                            + "maxPendingPerCaller = " + limit.limit() + "); wait for them to be decided",
                    Map.of("limit", limit.limit(), "pending", limit.pending()), null);
        };
    }

    private Hold start(GatedCall call, Instant deadline) {
        log.info("call {} on {} by {} needs approval by {} (policy '{}'): approval {}", call.target(), call.upstream(),
                call.requester().subject(), call.policy().approvers(), call.policy().rule(), call.approvalId());
        return new Hold(call.approvalId(), call.policy().approvers(), call.policy().required(), deadline, run(call), false);
    }

    /**
     * A retry of a call that is waiting: the same workflow, never a second approval. It is started with the
     * retry's copy of the call too, in case the broker that claimed the approval died before starting it;
     * a running workflow with that id is used as it is.
     */
    private Hold attach(GatedCall retry, String approvalId) {
        ApprovalRecord pending = store.find(approvalId).orElseThrow(() -> new IllegalStateException(
                "approval " + approvalId + " was claimed but is gone"));
        GatedCall call = retry.withApprovalId(approvalId);
        log.info("call {} on {} by {} attaches to waiting approval {}", call.target(), call.upstream(),
                call.requester().subject(), approvalId);
        return new Hold(approvalId, pending.eligibleGroups(), pending.required(), pending.deadline(), run(call), false);
    }

    private CompletableFuture<GatedCallResult> run(GatedCall call) {
        GatedCallWorkflow workflow = client.newWorkflowStub(GatedCallWorkflow.class, WorkflowOptions.newBuilder()
                .setWorkflowId(call.approvalId())
                .setTaskQueue(taskQueue)
                // An approval id runs once: a closed workflow is never started again, a running one is attached to.
                .setWorkflowIdReusePolicy(WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE)
                .setWorkflowIdConflictPolicy(WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING)
                .setTypedSearchAttributes(SearchAttributes.newBuilder()
                        .set(GatedCallSearchAttributes.UPSTREAM, call.upstream())
                        .set(GatedCallSearchAttributes.TOOL, call.target())
                        .set(GatedCallSearchAttributes.REQUESTER, call.requester().email().isEmpty()
                                ? call.requester().subject() : call.requester().email())
                        .set(GatedCallSearchAttributes.STATUS, "pending")
                        .build())
                .build());
        try {
            WorkflowClient.start(workflow::run, call);
            return outcome(call.approvalId(), WorkflowStub.fromTyped(workflow).getResultAsync(GatedCallResult.class));
        } catch (WorkflowExecutionAlreadyStarted closed) {
            // It completed between our look at PostgreSQL and the start: its result is the answer.
            return resultOf(call.approvalId());
        } catch (WorkflowException | io.grpc.StatusRuntimeException e) {
            throw unavailable(call.approvalId(), e);
        }
    }

    /**
     * The result of the approval's workflow once it has one (at once when it has ended): what a task's
     * {@code tasks/result} waits for.
     *
     * @throws GatedCallRefusal when Temporal is unreachable
     */
    public CompletableFuture<GatedCallResult> resultOf(String approvalId) {
        try {
            return outcome(approvalId, client.newUntypedWorkflowStub(approvalId).getResultAsync(GatedCallResult.class));
        } catch (WorkflowException | io.grpc.StatusRuntimeException e) {
            throw unavailable(approvalId, e);
        }
    }

    /**
     * The workflow's result as its caller is told it. A cancelled workflow closes as cancelled whatever {@code run}
     * returned (Temporal SDK 1.38), so those waiting on it get a failure; its outcome, recorded before it closed, is
     * then read from PostgreSQL. A call decided before the cancel arrived keeps its failure: its result is not stored.
     */
    private CompletableFuture<GatedCallResult> outcome(String approvalId, CompletableFuture<GatedCallResult> result) {
        return result.exceptionallyCompose(failure -> {
            if (!isCancellation(failure)) {
                return CompletableFuture.failedFuture(failure);
            }
            return store.find(approvalId)
                    .filter(approval -> ApprovalRecord.CANCELLED.equals(approval.status()))
                    .map(approval -> CompletableFuture.completedFuture(new GatedCallResult(approvalId, Outcome.CANCELLED,
                            List.of(), approval.outcomeReason(), null, approval.decidedAt())))
                    .orElseGet(() -> CompletableFuture.failedFuture(failure));
        });
    }

    private static boolean isCancellation(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof io.temporal.failure.CanceledFailure) {
                return true;
            }
        }
        return false;
    }

    private static GatedCallRefusal unavailable(String approvalId, RuntimeException e) {
        return new GatedCallRefusal(GatedCallRefusal.Reason.ENGINE_UNAVAILABLE,
                "the approval workflow engine (Temporal) could not be reached, so the call is not held; retry it: "
                        + "approval " + approvalId + " stays pending and a retry attaches to it",
                Map.of("approvalId", approvalId), e);
    }

    /**
     * The caller cancelled the request with {@code jsonRpcId} in {@code mcpSessionId} ({@code notifications/cancelled}):
     * cancels the approval it waits for, if any. The workflow ends it as {@code CANCELLED}.
     */
    public void cancel(String mcpSessionId, String jsonRpcId) {
        store.pendingFor(mcpSessionId, jsonRpcId).ifPresent(approvalId -> {
            log.info("the caller cancelled request {} in session {}: cancelling approval {}", jsonRpcId, mcpSessionId, approvalId);
            try {
                client.newUntypedWorkflowStub(approvalId).cancel();
            } catch (WorkflowException | io.grpc.StatusRuntimeException e) {
                log.warn("could not cancel approval {}: {}", approvalId, e.toString());
            }
        });
    }

    /**
     * Cancels the approval on its caller's behalf ({@code tasks/cancel}); the workflow ends it as {@code CANCELLED}
     * unless it was decided already. Cancelling an ended approval does nothing.
     *
     * @throws GatedCallRefusal when Temporal is unreachable
     */
    public void cancel(String approvalId) {
        log.info("the caller cancelled the task of approval {}", approvalId);
        try {
            client.newUntypedWorkflowStub(approvalId).cancel();
        } catch (WorkflowException | io.grpc.StatusRuntimeException e) {
            throw unavailable(approvalId, e);
        }
    }

    /** The approval as stored, when it exists. */
    public Optional<ApprovalRecord> find(String approvalId) {
        return store.find(approvalId);
    }

    /**
     * The approval when {@code caller} asked for it on {@code upstream}. The call key, recomputed with this caller's
     * issuer, proves the issuer too (also for approvals recorded before their requester's issuer was kept), so a
     * namesake at another issuer gets nothing.
     */
    public Optional<ApprovalRecord> findRequestedBy(Caller caller, String upstream, String approvalId) {
        return store.find(approvalId).filter(approval -> approval.upstream().equals(upstream)
                && approval.requester().equals(caller.subject())
                && approval.callKey().equals(GatedCallFactory.callKey(caller.issuer(), caller.subject(), approval.upstream(),
                approval.method(), approval.target(), approval.argsDigest())));
    }

    /** How long after completion an identical call gets the recorded result ({@code gatedCalls.replayWindow}). */
    public Duration replayWindow() {
        return settings.replayWindow();
    }

    /**
     * Offers a decision to the waiting call. The workflow's validator is the one authority on who may
     * decide; a refusal never touches its history.
     *
     * @throws DecisionRefused     when the decider may not decide or the call is decided already
     * @throws UnknownApproval     when no such approval exists
     * @throws GatedCallRefusal    when Temporal is unreachable
     */
    public ApprovalState decide(String approvalId, DecisionRequest decision) {
        ApprovalRecord approval = store.find(approvalId).orElseThrow(() -> new UnknownApproval(approvalId));
        if (!approval.isPending()) {
            throw settled(approval, null);
        }
        long deadline = System.nanoTime() + DECISION_PATIENCE.toNanos();
        while (true) {
            CompletableFuture<ApprovalState> update = CompletableFuture.supplyAsync(
                    () -> client.newWorkflowStub(GatedCallWorkflow.class, approvalId).decide(decision), DECIDING);
            try {
                ApprovalState state = update.get(Math.max(1, deadline - System.nanoTime()), java.util.concurrent.TimeUnit.NANOSECONDS);
                metrics.approvalDecision(decision.channel(), decision.verdict().name(), java.time.Duration.between(approval.createdAt(),
                        java.time.Instant.now()));
                return state;
            } catch (java.util.concurrent.TimeoutException e) {
                update.cancel(true);
                throw new GatedCallRefusal(GatedCallRefusal.Reason.ENGINE_UNAVAILABLE, "the approval workflow did not take the"
                        + " decision within " + DECISION_PATIENCE.toSeconds() + " s (is a broker's Temporal worker running?); it may"
                        + " still arrive: look at approval " + approvalId + " before deciding again", Map.of("approvalId", approvalId), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw unavailable(approvalId, new IllegalStateException("interrupted while deciding", e));
            } catch (java.util.concurrent.ExecutionException e) {
                // The approval is in PostgreSQL a moment before its workflow starts, and the inbox shows it at once:
                // a decision in that moment waits for the workflow rather than failing.
                if (!(e.getCause() instanceof WorkflowNotFoundException) || System.nanoTime() > deadline - NOT_STARTED_PAUSE.toNanos()
                        || !store.find(approvalId).map(ApprovalRecord::isPending).orElse(false)) {
                    throw refusalOf(approvalId, approval, e.getCause());
                }
                try {
                    Thread.sleep(NOT_STARTED_PAUSE);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw unavailable(approvalId, new IllegalStateException("interrupted while deciding", interrupted));
                }
            }
        }
    }

    /** What a failed update means for the decider: a refusal with its reason, a settled call, or Temporal unreachable. */
    private RuntimeException refusalOf(String approvalId, ApprovalRecord approval, Throwable failure) {
        if (failure instanceof WorkflowUpdateException e && e.getCause() instanceof ApplicationFailure refused) {
            Optional<DecisionRefusal> refusal = DecisionRefusal.fromType(refused.getType());
            if (refusal.isPresent()) {
                return new DecisionRefused(refusal.get(), refused.getOriginalMessage(), e);
            }
        }
        if (failure instanceof WorkflowException && !(failure instanceof WorkflowUpdateException)) {
            // Closed between our look and the update (or lost with an in-memory Temporal): what PostgreSQL says now.
            ApprovalRecord now = store.find(approvalId).orElse(approval);
            if (!now.isPending()) {
                return settled(now, failure);
            }
        }
        return unavailable(approvalId, failure instanceof RuntimeException r ? r : new IllegalStateException(failure));
    }

    private static DecisionRefused settled(ApprovalRecord approval, Throwable cause) {
        String how = switch (approval.status()) {
            case "approved", "denied" -> "already " + approval.status() + " by " + String.join(", ", approval.decidedBy());
            case "expired" -> "already expired at " + approval.deadline();
            case "cancelled" -> "already cancelled by the caller";
            case "abandoned" -> "abandoned (" + approval.outcomeReason() + ")";
            default -> "already " + approval.status();
        };
        return new DecisionRefused(DecisionRefusal.ALREADY_DECIDED, "approval " + approval.id() + " was " + how, cause);
    }
}
