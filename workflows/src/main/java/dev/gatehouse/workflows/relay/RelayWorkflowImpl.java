package dev.gatehouse.workflows.relay;

import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.TimeoutFailure;
import io.temporal.api.enums.v1.TimeoutType;
import io.temporal.workflow.Workflow;

import java.time.Duration;

/** {@link RelayWorkflow}: one attempt on the agent's queue, whatever happens (an exchange may not be idempotent). */
public final class RelayWorkflowImpl implements RelayWorkflow {

    /** How long a message may wait for an agent to take it: none polling the queue means none is running. */
    static final Duration AGENT_PATIENCE = Duration.ofSeconds(10);
    /** Beyond the upstream's own timeout, for the agent's HTTP set-up and the way back. */
    static final Duration MARGIN = Duration.ofSeconds(10);
    /** An agent heartbeats while its upstream works; silence this long means it is gone (see UpstreamRelay). */
    public static final Duration HEARTBEAT_TIMEOUT = Duration.ofSeconds(10);

    @Override
    public RelayResponse relay(String agentQueue, RelayRequest request) {
        UpstreamRelay agent = Workflow.newActivityStub(UpstreamRelay.class, ActivityOptions.newBuilder()
                .setTaskQueue(agentQueue)
                .setScheduleToStartTimeout(AGENT_PATIENCE)
                .setStartToCloseTimeout(request.timeout().plus(MARGIN))
                .setHeartbeatTimeout(HEARTBEAT_TIMEOUT)
                .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build())
                .build());
        try {
            return agent.exchange(request);
        } catch (ActivityFailure e) {
            if (e.getCause() instanceof TimeoutFailure timeout && timeout.getTimeoutType() == TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START) {
                return RelayResponse.failed("no agent took the message from task queue '" + agentQueue + "' within "
                        + AGENT_PATIENCE.toSeconds() + " s (is one running and connected to Temporal?); it was not sent", false);
            }
            if (e.getCause() instanceof TimeoutFailure timeout && timeout.getTimeoutType() == TimeoutType.TIMEOUT_TYPE_HEARTBEAT) {
                return RelayResponse.failed("the agent on task queue '" + agentQueue + "' went silent mid-call (no heartbeat for "
                        + HEARTBEAT_TIMEOUT.toSeconds() + " s: it stopped or lost Temporal); the request may have run upstream,"
                        + " and is not retried", true);
            }
            if (e.getCause() instanceof TimeoutFailure) {
                return RelayResponse.failed("the agent on task queue '" + agentQueue + "' did not answer within "
                        + request.timeout().plus(MARGIN).toSeconds() + " s; the request may have run upstream, and is not retried", true);
            }
            return RelayResponse.failed("the agent on task queue '" + agentQueue + "' failed: " + rootMessage(e), true);
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage();
    }
}
