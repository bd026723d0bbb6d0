package dev.gatehouse.notifier;

import java.util.List;
import java.util.Objects;

/**
 * An approver group as the channels need it, frozen when the call was gated.
 *
 * @param members      e-mail addresses or subjects of the people in the group
 * @param slackChannel the Slack channel id to post in; null when the group has none
 * @param email        whether the group's members are told by e-mail
 */
public record NotifiedGroup(String name, List<String> members, String slackChannel, boolean email) {

    public NotifiedGroup {
        Objects.requireNonNull(name, "name");
        if (name.isBlank()) {
            throw new IllegalArgumentException("a group name cannot be blank");
        }
        members = members == null ? List.of() : List.copyOf(members);
        if (slackChannel != null && slackChannel.isBlank()) {
            throw new IllegalArgumentException("group " + name + ": a Slack channel id cannot be blank");
        }
    }
}
