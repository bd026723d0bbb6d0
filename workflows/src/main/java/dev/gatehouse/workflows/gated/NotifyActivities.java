package dev.gatehouse.workflows.gated;

import io.temporal.activity.ActivityInterface;

import java.util.List;

/**
 * Tells approvers about a call on every channel their group has (web inbox, log, Slack, e-mail),
 * shows them progress, and later the outcome where they were told. Every delivery is recorded by
 * approval, step, channel and target, so a retried activity repeats only what failed.
 */
@ActivityInterface
public interface NotifyActivities {

    /**
     * Delivers a keyed {@code notice} on every channel that has not delivered it yet. Fails (to be retried
     * with backoff) while any channel fails; the channels that delivered are not asked again.
     *
     * @return a handle per delivery made by this attempt or an earlier one
     */
    List<Notification> announce(ApprovalNotice notice);

    /**
     * Delivers {@code notice} without a key: fails only when no channel delivered. What workflows started
     * before keyed notices call; kept so they run to their end.
     */
    List<Notification> notify(ApprovalNotice notice);

    /**
     * Shows a decision that did not decide the call where the call was announced.
     *
     * @param number    the decision's place among the call's decisions, from 1: its key
     * @param approvals how many approvals the call has now
     */
    void progress(GatedCall call, Decision decision, int number, int approvals);

    /**
     * Shows the outcome on every announcement made for the call (Slack message edited in place, inbox entry
     * closed, follow-up mail), then tells whoever else should know (the requester). Fails, to be retried, while
     * any channel fails; what was settled is not settled again.
     */
    void settleNotices(NoticeSettlement settlement);

    /** What workflows started before {@link #settleNotices} call: the same, from the workflow's result. */
    void settle(GatedCall call, GatedCallResult result, List<Notification> notifications);
}
