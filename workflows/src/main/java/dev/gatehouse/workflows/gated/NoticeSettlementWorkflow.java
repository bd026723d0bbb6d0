package dev.gatehouse.workflows.gated;

import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * Shows a gated call's outcome on its notices, retrying while a channel is down. A child of the
 * gated-call workflow that outlives it: the caller gets the result without waiting for Slack.
 */
@WorkflowInterface
public interface NoticeSettlementWorkflow {

    @WorkflowMethod
    void settle(NoticeSettlement settlement);
}
