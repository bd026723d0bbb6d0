package dev.gatehouse.broker.config;

import java.time.Duration;
import java.util.List;

/** Who approves a gated call, how many must, and how long they have. */
public record ApprovalSettings(
        List<String> approvers,
        Integer required,
        Duration timeout,
        Duration remindEvery,
        List<EscalationStep> escalate) {

    public ApprovalSettings {
        if (approvers == null || approvers.isEmpty()) {
            throw new IllegalArgumentException("approvers must name at least one approver group");
        }
        approvers = List.copyOf(approvers);
        required = required == null ? 1 : required;
        if (required < 1) {
            throw new IllegalArgumentException("required cannot be less than 1");
        }
        timeout = timeout == null ? Duration.ofMinutes(30) : timeout;
        if (timeout.isZero() || timeout.isNegative()) {
            throw new IllegalArgumentException("timeout must be positive");
        }
        if (remindEvery != null && (remindEvery.isZero() || remindEvery.isNegative())) {
            throw new IllegalArgumentException("remindEvery must be positive");
        }
        escalate = escalate == null ? List.of() : List.copyOf(escalate);
    }

    /** After {@code after} with no decision, the groups in {@code to} are notified and become eligible. */
    public record EscalationStep(Duration after, List<String> to) {
        public EscalationStep {
            if (after == null || after.isZero() || after.isNegative()) {
                throw new IllegalArgumentException("after is required and must be positive");
            }
            if (to == null || to.isEmpty()) {
                throw new IllegalArgumentException("to must name at least one approver group");
            }
            to = List.copyOf(to);
        }
    }
}
