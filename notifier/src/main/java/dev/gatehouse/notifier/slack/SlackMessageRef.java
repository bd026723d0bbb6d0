package dev.gatehouse.notifier.slack;

import java.util.Objects;

/**
 * Where a Slack message is: its channel id and timestamp, which together name it for {@code chat.update} and
 * thread replies. Its {@link #format() text form}, {@code <channel>/<ts>}, is the handle the Slack channel
 * returns from an announcement.
 */
public record SlackMessageRef(String channel, String ts) {

    public SlackMessageRef {
        Objects.requireNonNull(channel, "channel");
        Objects.requireNonNull(ts, "ts");
        if (channel.isBlank() || channel.contains("/")) {
            throw new IllegalArgumentException("a Slack channel id cannot be blank or contain '/': '" + channel + "'");
        }
        if (ts.isBlank()) {
            throw new IllegalArgumentException("a Slack message timestamp cannot be blank");
        }
    }

    /** Reads a handle written by {@link #format()}. */
    public static SlackMessageRef parse(String handle) {
        Objects.requireNonNull(handle, "handle");
        int slash = handle.indexOf('/');
        if (slash <= 0 || slash == handle.length() - 1) {
            throw new IllegalArgumentException("not a Slack message handle (<channel>/<ts>): '" + handle + "'");
        }
        return new SlackMessageRef(handle.substring(0, slash), handle.substring(slash + 1));
    }

    public String format() {
        return channel + "/" + ts;
    }
}
