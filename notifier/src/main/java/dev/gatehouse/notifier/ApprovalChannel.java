package dev.gatehouse.notifier;

/**
 * One way of telling approvers about a waiting call: the web inbox, the log, Slack, e-mail.
 * Implementations are thread-safe: notify activities for many calls use one instance at once.
 *
 * <p>Each method is called at most once per approval, step and target by the notify activities,
 * which keep a ledger of what was delivered (so Temporal's retries never post twice): a channel
 * need not deduplicate itself, but a call that fails must have changed nothing the next attempt
 * would repeat, or say so in its documentation. A failure is a {@link DeliveryFailedException}
 * (with the service's {@code Retry-After} when it gave one); the activity retries it with backoff
 * while the other channels go on. What a channel needs beyond the notice (a bot token, an SMTP
 * server, the links) is its own configuration, given to its constructor.
 */
public interface ApprovalChannel {

    /**
     * The channel's name, unique among a broker's channels: {@code web}, {@code log}, {@code slack},
     * {@code email}. Recorded with each delivery so the outcome is later shown by the same channel.
     */
    String name();

    /** True when this channel can reach {@code group} (Slack: the group names a channel; e-mail: it wants mail and has members). */
    boolean serves(NotifiedGroup group);

    /**
     * Tells {@code announcement.group()} about the call: a new message for a request or an escalation
     * to a group not reached before; a reminder (or an escalation to where an earlier message is) may
     * be a reply to one of {@link Announcement#earlier()}.
     *
     * @return the handle {@link #settle} needs to show the outcome in place (a Slack message's channel and
     *         timestamp, an e-mail's message id); may be empty when there is nothing to find again
     * @throws DeliveryFailedException when the announcement did not reach the channel
     */
    String announce(Announcement announcement);

    /**
     * Shows a decision that did not decide the call (1 of 2 approvals) where it was announced under
     * {@code handle}. Most channels have nothing to show: the default does nothing.
     *
     * @throws DeliveryFailedException when the channel could not be reached
     */
    default void progress(String handle, Progress progress) {
    }

    /**
     * Shows how the call ended where it was announced under {@code handle} (edits the Slack message in
     * place, sends the e-mail's follow-up).
     *
     * @throws DeliveryFailedException when the channel could not be reached
     */
    void settle(String handle, Settlement settlement);

    /**
     * Once per call and channel, after its announcements are settled: tells anyone else who should know
     * (e-mail: the requester, when their identity has an address). The default tells nobody.
     *
     * @throws DeliveryFailedException when the channel could not be reached
     */
    default void concluded(Settlement settlement) {
    }
}
