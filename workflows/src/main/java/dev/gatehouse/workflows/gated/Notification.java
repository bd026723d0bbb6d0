package dev.gatehouse.workflows.gated;

import java.util.Objects;

/**
 * One notice delivered on one channel, with the channel's handle for it (a Slack message's
 * channel and timestamp, an e-mail's message id), so the outcome can be shown in place later.
 */
public record Notification(String channel, String group, String handle) {

    public Notification {
        Objects.requireNonNull(channel, "channel");
        Objects.requireNonNull(group, "group");
        handle = handle == null ? "" : handle;
    }
}
