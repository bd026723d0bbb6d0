package dev.gatehouse.broker.api;

import dev.gatehouse.broker.auth.Caller;
import dev.gatehouse.broker.config.ApproverGroup;
import dev.gatehouse.workflows.gated.Person;

import java.util.List;
import java.util.Map;

/** Which approver groups list a caller as a member (by e-mail or subject), as configured under {@code approvers}. */
final class ApproverMembership {

    private final Map<String, ApproverGroup> approvers;

    ApproverMembership(Map<String, ApproverGroup> approvers) {
        this.approvers = Map.copyOf(approvers);
    }

    List<String> groupsOf(Caller caller) {
        Person person = person(caller);
        return approvers.entrySet().stream()
                .filter(group -> group.getValue().members().stream().anyMatch(person::is))
                .map(Map.Entry::getKey)
                .sorted()
                .toList();
    }

    static Person person(Caller caller) {
        return new Person(caller.subject(), caller.email().orElse(""));
    }
}
