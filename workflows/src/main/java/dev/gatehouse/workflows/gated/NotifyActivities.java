package dev.gatehouse.workflows.gated;

import io.temporal.activity.ActivityInterface;

import java.util.List;

/**
 * Tells approvers about a call on every channel their group has (web inbox, log, Slack, e-mail),
 * and later shows them the outcome where they were told.
 */
@ActivityInterface
public interface NotifyActivities {

    /** Delivers {@code notice}; returns a handle per delivery for {@link #settle}. */
    List<Notification> notify(ApprovalNotice notice);

    /** Shows the outcome on every notification delivered for the call (Slack message edited in place, inbox entry closed). */
    void settle(GatedCall call, GatedCallResult result, List<Notification> notifications);
}
