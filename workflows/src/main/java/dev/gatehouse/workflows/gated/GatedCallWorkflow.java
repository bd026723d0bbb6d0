package dev.gatehouse.workflows.gated;

import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.UpdateMethod;
import io.temporal.workflow.UpdateValidatorMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * One approval-gated call, from the moment a policy gates it until its result is recorded
 * (DESIGN.md "GatedCallWorkflow"). The workflow id is the approval id. Cancelling the workflow
 * (the caller sent {@code notifications/cancelled}) ends a waiting call as {@code CANCELLED}.
 */
@WorkflowInterface
public interface GatedCallWorkflow {

    /** The task queue name's default; the broker's {@code temporal.taskQueue} overrides it. */
    String DEFAULT_TASK_QUEUE = "gatehouse";

    @WorkflowMethod
    GatedCallResult run(GatedCall call);

    /**
     * Offers one approver's decision. The validator refuses, without touching history, a decider
     * outside the eligible groups, the requester, a second decision by the same person and anything
     * after the outcome; it throws an {@code ApplicationFailure} whose type is a {@link DecisionRefusal}
     * name and whose message says why.
     */
    @UpdateMethod
    ApprovalState decide(DecisionRequest decision);

    @UpdateValidatorMethod(updateName = "decide")
    void validateDecide(DecisionRequest decision);

    @QueryMethod
    ApprovalState state();
}
