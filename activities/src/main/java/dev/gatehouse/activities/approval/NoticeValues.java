package dev.gatehouse.activities.approval;

import dev.gatehouse.notifier.Announcement;
import dev.gatehouse.notifier.CallSummary;
import dev.gatehouse.notifier.DecisionSummary;
import dev.gatehouse.notifier.NotifiedGroup;
import dev.gatehouse.notifier.Settlement;
import dev.gatehouse.workflows.gated.ApproverGroup;
import dev.gatehouse.workflows.gated.Decision;
import dev.gatehouse.workflows.gated.GatedCall;
import dev.gatehouse.workflows.gated.NoticeKind;
import dev.gatehouse.workflows.gated.NoticeSettlement;
import dev.gatehouse.workflows.gated.Verdict;

import java.time.Instant;

/** Translates the workflow's values into the notifier's, which knows nothing of Temporal. */
final class NoticeValues {

    private NoticeValues() {
    }

    static CallSummary call(GatedCall call, Instant deadline) {
        String requester = call.requester().email().isEmpty() ? call.requester().subject() : call.requester().email();
        return new CallSummary(call.approvalId(), requester, call.requester().email(), call.upstream(), call.method(),
                call.target(), call.argsPreview(), call.policy().rule(), call.policy().reason(), call.policy().policyVersion(),
                call.policy().required(), deadline);
    }

    /** The group as the policy snapshot describes it; a group it does not describe is reached only by channels that need nothing. */
    static NotifiedGroup group(GatedCall call, String name) {
        ApproverGroup group = call.policy().groups().get(name);
        return group == null
                ? new NotifiedGroup(name, java.util.List.of(), null, false)
                : new NotifiedGroup(name, group.members(), blankToNull(group.slackChannel()), group.email());
    }

    static Announcement.Kind kind(NoticeKind kind) {
        return switch (kind) {
            case REQUEST -> Announcement.Kind.REQUEST;
            case REMINDER -> Announcement.Kind.REMINDER;
            case ESCALATION -> Announcement.Kind.ESCALATION;
        };
    }

    /** The outcome for the channels, from the workflow's settlement; {@code deadline} is the approval's, as it was announced. */
    static Settlement settlement(NoticeSettlement outcome, Instant deadline) {
        Settlement.Outcome shown = switch (outcome.outcome()) {
            case APPROVED -> Settlement.Outcome.APPROVED;
            case DENIED -> Settlement.Outcome.DENIED;
            case EXPIRED -> Settlement.Outcome.EXPIRED;
            case CANCELLED -> Settlement.Outcome.CANCELLED;
            case PENDING -> throw new IllegalArgumentException("approval " + outcome.call().approvalId() + " is not settled");
        };
        return new Settlement(call(outcome.call(), deadline), shown, outcome.detail(),
                outcome.decisions().stream().map(NoticeValues::decision).toList(), outcome.decidedAt());
    }

    static DecisionSummary decision(Decision decision) {
        return new DecisionSummary(decision.decider().display(),
                decision.verdict() == Verdict.APPROVE ? DecisionSummary.Verdict.APPROVE : DecisionSummary.Verdict.DENY,
                decision.reason(), decision.channel(), decision.at());
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }
}
