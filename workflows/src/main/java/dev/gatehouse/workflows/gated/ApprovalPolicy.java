package dev.gatehouse.workflows.gated;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The policy decision that gated a call, frozen at the moment of the call: which rule and policy
 * version, who approves, how many must, and the timing.
 *
 * @param groups      every approver group named by {@code approvers} or an escalation step, by name
 * @param remindEvery null when approvers are not reminded
 * @param maskProfile the masking profile for the result; null for the broker's default
 * @param reason      why the rule asks for approval, shown to approvers; "" when it gives none (and in workflows
 *                    started before rules could give one)
 */
public record ApprovalPolicy(
        String rule,
        String policyVersion,
        List<String> approvers,
        int required,
        Duration timeout,
        Duration remindEvery,
        List<EscalationStep> escalate,
        Map<String, ApproverGroup> groups,
        String maskProfile,
        String reason) {

    public ApprovalPolicy {
        Objects.requireNonNull(rule, "rule");
        reason = reason == null ? "" : reason;
        Objects.requireNonNull(policyVersion, "policyVersion");
        approvers = List.copyOf(approvers);
        if (required < 1) {
            throw new IllegalArgumentException("required cannot be less than 1");
        }
        Objects.requireNonNull(timeout, "timeout");
        escalate = escalate == null ? List.of() : List.copyOf(escalate);
        groups = Map.copyOf(groups);
        for (String name : approvers) {
            if (!groups.containsKey(name)) {
                throw new IllegalArgumentException("approver group " + name + " is not described in groups");
            }
        }
        for (EscalationStep step : escalate) {
            for (String name : step.groups()) {
                if (!groups.containsKey(name)) {
                    throw new IllegalArgumentException("escalation group " + name + " is not described in groups");
                }
            }
        }
    }
}
