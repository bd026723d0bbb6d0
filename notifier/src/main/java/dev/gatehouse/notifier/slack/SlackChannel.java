package dev.gatehouse.notifier.slack;

import dev.gatehouse.notifier.Announcement;
import dev.gatehouse.notifier.ApprovalChannel;
import dev.gatehouse.notifier.ApprovalLinks;
import dev.gatehouse.notifier.CallSummary;
import dev.gatehouse.notifier.NotifiedGroup;
import dev.gatehouse.notifier.Progress;
import dev.gatehouse.notifier.Settlement;

import java.util.Objects;
import java.util.Optional;

/**
 * Slack as an approval channel: a Block Kit message with Approve and Deny buttons in each group's channel,
 * reminders, escalations and decisions as replies in its thread, and the message edited in place to show
 * the outcome without its buttons. Its handles are {@link SlackMessageRef}s ({@code <channel>/<ts>}) of the
 * parent messages. Thread-safe.
 *
 * <p>Each method edits the parent ({@code chat.update}, which repeats harmlessly) before it replies in the
 * thread, so an attempt that fails after the edit has posted nothing a retry would post twice.
 */
public final class SlackChannel implements ApprovalChannel {

    public static final String NAME = "slack";
    /** The buttons' action ids; their value is the approval id. */
    public static final String APPROVE_ACTION = "gatehouse_approve";
    public static final String DENY_ACTION = "gatehouse_deny";

    private final SlackWebApi slack;
    private final ApprovalLinks links;

    public SlackChannel(SlackWebApi slack, ApprovalLinks links) {
        this.slack = Objects.requireNonNull(slack, "slack");
        this.links = Objects.requireNonNull(links, "links");
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean serves(NotifiedGroup group) {
        return group.slackChannel() != null;
    }

    /**
     * A new parent message, except for a reminder or an escalation to a Slack channel that has one for this call
     * already: that is a reply in its thread, and the handle stays the parent's.
     */
    @Override
    public String announce(Announcement announcement) {
        String channel = announcement.group().slackChannel();
        if (channel == null) {
            throw new IllegalArgumentException("group " + announcement.group().name() + " names no Slack channel");
        }
        CallSummary call = announcement.call();
        Optional<SlackMessageRef> parent = announcement.kind() == Announcement.Kind.REQUEST
                ? Optional.empty()
                : announcement.earlier().stream().flatMap(handle -> parsed(handle).stream())
                        .filter(ref -> ref.channel().equals(channel)).findFirst();
        if (parent.isPresent()) {
            slack.reply(parent.get(), announcement.kind() == Announcement.Kind.REMINDER
                    ? SlackMessages.reminderReply(call, announcement.approvals())
                    : SlackMessages.escalationReply(announcement.group().name()));
            return parent.get().format();
        }
        String headline = switch (announcement.kind()) {
            case REQUEST -> SlackMessages.requestHeadline();
            case REMINDER -> SlackMessages.reminderHeadline();
            case ESCALATION -> SlackMessages.escalationHeadline(announcement.group().name());
        };
        SlackMessages.Message message = SlackMessages.waiting(headline, call, announcement.approvals(),
                links.approval(call.approvalId()));
        return slack.post(channel, message.text(), message.blocks()).format();
    }

    /** Shows the new count on the parent (buttons stay: more approvals are needed) and names the approver in the thread. */
    @Override
    public void progress(String handle, Progress progress) {
        SlackMessageRef parent = SlackMessageRef.parse(handle);
        CallSummary call = progress.call();
        SlackMessages.Message message = SlackMessages.waiting(SlackMessages.requestHeadline(), call, progress.approvals(),
                links.approval(call.approvalId()));
        slack.update(parent, message.text(), message.blocks());
        slack.reply(parent, SlackMessages.progressReply(progress));
    }

    /** Replaces the parent with the outcome and no buttons, and states the outcome in the thread. */
    @Override
    public void settle(String handle, Settlement settlement) {
        SlackMessageRef parent = SlackMessageRef.parse(handle);
        SlackMessages.Message message = SlackMessages.settled(settlement, links.approval(settlement.call().approvalId()));
        slack.update(parent, message.text(), message.blocks());
        slack.reply(parent, SlackMessages.outcome(settlement));
    }

    /** Another channel's handle, or one from before a format change, is simply not a parent to reply to. */
    private static Optional<SlackMessageRef> parsed(String handle) {
        try {
            return Optional.of(SlackMessageRef.parse(handle));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
