package dev.gatehouse.workflows.relay;

import io.temporal.activity.ActivityInterface;

/**
 * Run by an agent, on the task queue named for its upstreams: one exchange with an upstream beside it. A failure
 * to reach the upstream is a {@link RelayResponse#failed} answer, never an exception that Temporal would retry.
 * The agent heartbeats while the upstream works, so an agent that dies mid-call is noticed within
 * {@link RelayWorkflowImpl#HEARTBEAT_TIMEOUT}, not at the end of the upstream's timeout.
 */
@ActivityInterface(namePrefix = "Relay")
public interface UpstreamRelay {

    RelayResponse exchange(RelayRequest request);
}
