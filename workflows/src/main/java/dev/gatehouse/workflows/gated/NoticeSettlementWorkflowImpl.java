package dev.gatehouse.workflows.gated;

import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.workflow.Workflow;
import org.slf4j.Logger;

import java.time.Duration;

/** Settles a gated call's notices: one activity, retried with backoff for up to a day. */
public final class NoticeSettlementWorkflowImpl implements NoticeSettlementWorkflow {

    private static final Logger log = Workflow.getLogger(NoticeSettlementWorkflowImpl.class);

    /** Long enough to ride out a Slack outage; after that a stale message is better than a workflow that never ends. */
    static final Duration GIVE_UP_AFTER = Duration.ofDays(1);

    private final NotifyActivities notify = Workflow.newActivityStub(NotifyActivities.class, ActivityOptions.newBuilder()
            .setStartToCloseTimeout(Duration.ofSeconds(60))
            .setScheduleToCloseTimeout(GIVE_UP_AFTER)
            .setRetryOptions(RetryOptions.newBuilder()
                    .setInitialInterval(Duration.ofSeconds(2))
                    .setBackoffCoefficient(2.0)
                    .setMaximumInterval(Duration.ofMinutes(5))
                    .build())
            .build());

    @Override
    public void settle(NoticeSettlement settlement) {
        try {
            notify.settleNotices(settlement);
        } catch (ActivityFailure e) {
            log.warn("approval {}: the approvers' notices could not all be updated with the outcome within {}: {}",
                    settlement.call().approvalId(), GIVE_UP_AFTER, e.getCause() == null ? e.getMessage() : e.getCause().getMessage());
        }
    }
}
