package dev.gatehouse.broker.config;

import java.util.List;

/** A named group of human approvers and where they are notified. */
public record ApproverGroup(List<String> members, SlackTarget slack, Boolean email) {

    public ApproverGroup {
        members = members == null ? List.of() : List.copyOf(members);
        email = email != null && email;
    }

    /** The Slack channel an approver group is notified in. */
    public record SlackTarget(String channel) {
        public SlackTarget {
            if (channel == null || channel.isBlank()) {
                throw new IllegalArgumentException("channel is required");
            }
        }
    }
}
