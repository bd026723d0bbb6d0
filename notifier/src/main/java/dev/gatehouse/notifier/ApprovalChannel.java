package dev.gatehouse.notifier;

/**
 * One way of telling approvers about a waiting call: the web inbox, the log, Slack, e-mail.
 * Implementations are thread-safe: notify activities for many calls use one instance at once.
 *
 * <p>The notify activity calls {@link #announce} once per group and channel, and retries the whole
 * notice only when every delivery failed, so a channel is not asked twice for a delivery it made.
 * What a channel needs beyond the notice (a bot token, an SMTP server, the base URL of decision
 * links) is its own configuration, given to its constructor.
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
     * Tells {@code announcement.group()} about the call.
     *
     * @return the handle {@link #settle} needs to show the outcome in place (a Slack message's channel and
     *         timestamp, an e-mail's message id); may be empty when there is nothing to find again
     * @throws DeliveryFailedException when the announcement did not reach the channel
     */
    String announce(Announcement announcement);

    /**
     * Shows how the call ended where it was announced under {@code handle} (edits the Slack message in
     * place, sends the e-mail's follow-up). Doing it twice must be harmless: a retried activity may.
     *
     * @throws DeliveryFailedException when the channel could not be reached
     */
    void settle(String handle, Settlement settlement);
}
