package dev.gatehouse.broker.approval;

import dev.gatehouse.activities.approval.ApprovalRecord;
import dev.gatehouse.activities.approval.ApprovalStore;
import dev.gatehouse.activities.approval.Claim;
import dev.gatehouse.broker.config.GatedCallSettings;
import dev.gatehouse.broker.policy.Decision;
import dev.gatehouse.workflows.gated.ApprovalState;
import dev.gatehouse.workflows.gated.DecisionRefusal;
import dev.gatehouse.workflows.gated.DecisionRequest;
import dev.gatehouse.workflows.gated.GatedCall;
import dev.gatehouse.workflows.gated.GatedCallResult;
import dev.gatehouse.workflows.gated.GatedCallSearchAttributes;
import dev.gatehouse.workflows.gated.GatedCallWorkflow;
import io.temporal.api.enums.v1.WorkflowIdConflictPolicy;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowException;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.client.WorkflowUpdateException;
import io.temporal.common.SearchAttributes;
import io.temporal.failure.ApplicationFailure;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
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

    private final WorkflowClient client;
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
                                    Map<String, java.time.Duration> forwardTimeouts, GatedCallSettings settings) {
        return new GatedCalls(client, taskQueue, store, new GatedCallFactory(approvers, previewMask, forwardTimeouts), settings);
    }

    GatedCalls(WorkflowClient client, String taskQueue, ApprovalStore store, GatedCallFactory calls, GatedCallSettings settings) {
        this.client = client;
        this.taskQueue = taskQueue;
        this.store = store;
        this.calls = calls;
        this.settings = settings;
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
        GatedCall call = withApprovalId(retry, approvalId);
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
            return WorkflowStub.fromTyped(workflow).getResultAsync(GatedCallResult.class);
        } catch (WorkflowExecutionAlreadyStarted closed) {
            // It completed between our look at PostgreSQL and the start: its result is the answer.
            return resultOf(call.approvalId());
        } catch (WorkflowException | io.grpc.StatusRuntimeException e) {
            throw unavailable(call.approvalId(), e);
        }
    }

    private CompletableFuture<GatedCallResult> resultOf(String approvalId) {
        try {
            return client.newUntypedWorkflowStub(approvalId).getResultAsync(GatedCallResult.class);
        } catch (WorkflowException | io.grpc.StatusRuntimeException e) {
            throw unavailable(approvalId, e);
        }
    }

    private static GatedCallRefusal unavailable(String approvalId, RuntimeException e) {
        return new GatedCallRefusal(GatedCallRefusal.Reason.ENGINE_UNAVAILABLE,
                "the approval workflow engine (Temporal) could not be reached, so the call is not held; retry it: "
                        + "approval " + approvalId + " stays pending and a retry attaches to it",
                Map.of("approvalId", approvalId), e);
    }

    private static GatedCall withApprovalId(GatedCall call, String approvalId) {
        return new GatedCall(approvalId, call.callKey(), call.recordingSessionId(), call.sessionId(), call.jsonRpcId(),
                call.requester(), call.upstream(), call.method(), call.target(), call.request(), call.argsDigest(),
                call.argsPreview(), call.policy(), call.forwardTimeout());
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

    /** The approval as stored, when it exists. */
    public Optional<ApprovalRecord> find(String approvalId) {
        return store.find(approvalId);
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
        try {
            return client.newWorkflowStub(GatedCallWorkflow.class, approvalId).decide(decision);
        } catch (WorkflowUpdateException e) {
            if (e.getCause() instanceof ApplicationFailure failure) {
                Optional<DecisionRefusal> refusal = DecisionRefusal.fromType(failure.getType());
                if (refusal.isPresent()) {
                    throw new DecisionRefused(refusal.get(), failure.getOriginalMessage(), e);
                }
            }
            throw unavailable(approvalId, e);
        } catch (WorkflowException e) {
            // Closed between our look and the update (or lost with an in-memory Temporal): what PostgreSQL says now.
            ApprovalRecord now = store.find(approvalId).orElse(approval);
            if (!now.isPending()) {
                throw settled(now, e);
            }
            throw unavailable(approvalId, e);
        } catch (io.grpc.StatusRuntimeException e) {
            throw unavailable(approvalId, e);
        }
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
