package dev.gatehouse.activities.approval;

import dev.gatehouse.notifier.Announcement;
import dev.gatehouse.notifier.ApprovalChannel;
import dev.gatehouse.notifier.NotifiedGroup;
import dev.gatehouse.notifier.Settlement;

import java.util.List;

/**
 * The web inbox as an approval channel: announcing a call to a group makes the approval visible to
 * that group in the inbox (its {@code eligible_groups}), which is how an escalation step's groups see
 * it. Settling needs nothing: the inbox shows the approval's status from the same row. Reaches every
 * group. Thread-safe.
 */
public final class WebInboxChannel implements ApprovalChannel {

    public static final String NAME = "web";

    private final ApprovalStore store;

    public WebInboxChannel(ApprovalStore store) {
        this.store = store;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean serves(NotifiedGroup group) {
        return true;
    }

    @Override
    public String announce(Announcement announcement) {
        // The first groups were stored with the approval; reminders find nothing to add. Either way it is visible.
        store.addEligibleGroups(announcement.call().approvalId(), List.of(announcement.group().name()));
        return announcement.group().name();
    }

    @Override
    public void settle(String handle, Settlement settlement) {
        // The inbox reads the approval's status from the row recordOutcome writes.
    }
}
