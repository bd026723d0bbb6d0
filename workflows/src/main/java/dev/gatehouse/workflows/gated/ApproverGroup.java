package dev.gatehouse.workflows.gated;

import java.util.List;
import java.util.Objects;

/**
 * An approver group as configured when the call was gated: its members (e-mails or subjects)
 * and where it is notified. A snapshot, so a config change never changes a running approval.
 */
public record ApproverGroup(String name, List<String> members, String slackChannel, boolean email) {

    public ApproverGroup {
        Objects.requireNonNull(name, "name");
        members = members == null ? List.of() : List.copyOf(members);
    }

    public boolean includes(Person person) {
        return members.stream().anyMatch(person::is);
    }
}
