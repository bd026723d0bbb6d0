package dev.gatehouse.workflows.relay;

import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * Carries one exchange to an agent: started by the broker on its own task queue for every message to an
 * upstream configured {@code agent: { taskQueue: … }}, it runs {@link UpstreamRelay} once on that queue and
 * returns what came back. A workflow, because Temporal schedules activities only from one.
 */
@WorkflowInterface
public interface RelayWorkflow {

    @WorkflowMethod
    RelayResponse relay(String agentQueue, RelayRequest request);
}
