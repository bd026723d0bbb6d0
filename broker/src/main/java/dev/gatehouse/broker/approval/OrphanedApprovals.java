package dev.gatehouse.broker.approval;

import dev.gatehouse.activities.approval.ApprovalStore;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.client.WorkflowClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Settles approvals that PostgreSQL holds as pending but no workflow will ever decide: the call was claimed while
 * Temporal could not be reached and its caller never retried, or the workflow was terminated by hand. Left alone
 * they would wait in the inbox and count in the pending gauge for ever. Only an approval well past its deadline
 * (which a running workflow would have expired) and whose workflow Temporal does not know, or knows as ended, is
 * marked abandoned; one whose workflow still runs is left to it. Every broker sweeps; the update is idempotent.
 */
public final class OrphanedApprovals implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(OrphanedApprovals.class);

    /** Past the deadline by this much before an approval counts as orphaned: its workflow's expiry has had its chance. */
    static final Duration GRACE = Duration.ofMinutes(2);
    private static final Duration EVERY = Duration.ofMinutes(1);
    private static final int BATCH = 100;

    private final ApprovalStore store;
    private final WorkflowClient temporal;
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("orphaned-approvals").factory());

    public OrphanedApprovals(ApprovalStore store, WorkflowClient temporal) {
        this.store = store;
        this.temporal = temporal;
    }

    /** Sweeps every minute until closed. */
    public OrphanedApprovals start() {
        ticker.scheduleWithFixedDelay(this::sweepQuietly, EVERY.toMillis(), EVERY.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    /** One sweep; returns how many approvals it marked abandoned. */
    public int sweep() {
        int abandoned = 0;
        for (String approvalId : store.pendingPastDeadline(GRACE, BATCH)) {
            String why;
            try {
                WorkflowExecutionStatus status = temporal.getWorkflowServiceStubs().blockingStub()
                        .describeWorkflowExecution(DescribeWorkflowExecutionRequest.newBuilder()
                                .setNamespace(temporal.getOptions().getNamespace())
                                .setExecution(WorkflowExecution.newBuilder().setWorkflowId(approvalId))
                                .build())
                        .getWorkflowExecutionInfo().getStatus();
                if (status == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) {
                    continue;
                }
                why = "its workflow ended (" + status.name().replace("WORKFLOW_EXECUTION_STATUS_", "").toLowerCase()
                        + ") without recording an outcome; the call was not forwarded by it";
            } catch (StatusRuntimeException e) {
                if (e.getStatus().getCode() != Status.Code.NOT_FOUND) {
                    // Temporal cannot tell: leave everything for the next sweep.
                    return abandoned;
                }
                why = "its workflow never started (Temporal could not be reached when the call came, and the caller did not"
                        + " retry); the call was not forwarded";
            }
            if (store.abandon(approvalId, why)) {
                abandoned++;
                log.warn("approval {} was still pending {} past its deadline: {}; marked abandoned", approvalId, GRACE, why);
            }
        }
        return abandoned;
    }

    private void sweepQuietly() {
        try {
            sweep();
        } catch (RuntimeException e) {
            log.warn("the sweep for orphaned approvals failed ({}); the next one runs in {}", e.toString(), EVERY);
        }
    }

    @Override
    public void close() {
        ticker.shutdownNow();
    }
}
