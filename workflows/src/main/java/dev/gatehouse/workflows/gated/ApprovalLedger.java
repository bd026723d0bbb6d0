package dev.gatehouse.workflows.gated;

import io.temporal.failure.ApplicationFailure;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The decisions on one approval and the outcome they make: who may decide now, why a decision is
 * refused, and when the outcome is reached. Workflow state: only workflow threads touch it, and
 * the SDK runs one at a time, so it needs no locking. Deterministic: it reads no clock.
 */
final class ApprovalLedger {

    private final GatedCall call;
    private final Instant deadline;
    private final List<Decision> decisions = new ArrayList<>();
    private final List<String> eligibleGroups = new ArrayList<>();
    private Outcome outcome = Outcome.PENDING;
    private Instant decidedAt;

    ApprovalLedger(GatedCall call, Instant deadline) {
        this.call = Objects.requireNonNull(call, "call");
        this.deadline = Objects.requireNonNull(deadline, "deadline");
        open(call.policy().approvers());
    }

    /**
     * Throws the refusal for {@code request} if it may not be taken now, in the order the broker reports
     * them: decided already, own call, second decision, not eligible. Reads only: the update validator
     * calls it and must leave the workflow as it was.
     */
    void checkMayDecide(DecisionRequest request) {
        Person decider = request.decider();
        if (outcome.isFinal()) {
            throw refusal(DecisionRefusal.ALREADY_DECIDED, "already " + (outcome == Outcome.EXPIRED
                    ? "expired at " + deadline
                    : outcomeDetail()));
        }
        if (decider.isRequester(call.requester())) {
            throw refusal(DecisionRefusal.SELF_APPROVAL,
                    decider.display() + " made this call and cannot decide it; another approver must");
        }
        Optional<Decision> own = decisions.stream()
                .filter(decision -> decision.decider().isSamePersonAs(decider))
                .findFirst();
        if (own.isPresent()) {
            throw refusal(DecisionRefusal.ALREADY_DECIDED_BY_YOU, decider.display() + " has already "
                    + pastTense(own.get().verdict()) + " this call (at " + own.get().at() + ")");
        }
        if (eligibleGroups.stream().noneMatch(group -> call.policy().groups().get(group).includes(decider))) {
            throw refusal(DecisionRefusal.NOT_ELIGIBLE, decider.display()
                    + " is in none of the groups that may decide this call now: " + String.join(", ", eligibleGroups));
        }
    }

    /** Adds a decision the validator let through: any deny decides DENIED, enough distinct approvers APPROVED. */
    void accept(Decision decision) {
        decisions.add(decision);
        if (decision.verdict() == Verdict.DENY) {
            decide(Outcome.DENIED, decision.at());
        } else if (approvers().size() >= call.policy().required()) {
            decide(Outcome.APPROVED, decision.at());
        }
    }

    /** Lets {@code groups} decide too (an escalation step passed). */
    void open(List<String> groups) {
        for (String group : groups) {
            if (!eligibleGroups.contains(group)) {
                eligibleGroups.add(group);
            }
        }
    }

    void expire(Instant at) {
        decide(Outcome.EXPIRED, at);
    }

    void cancel(Instant at) {
        decide(Outcome.CANCELLED, at);
    }

    private void decide(Outcome reached, Instant at) {
        if (outcome.isFinal()) {
            throw new IllegalStateException("approval " + call.approvalId() + " is " + outcome.wireName() + " already");
        }
        outcome = reached;
        decidedAt = at;
    }

    Outcome outcome() {
        return outcome;
    }

    Instant deadline() {
        return deadline;
    }

    int decisionCount() {
        return decisions.size();
    }

    /** The {@code index}th decision accepted, counting from 0. */
    Decision decision(int index) {
        return decisions.get(index);
    }

    /** How many of the first {@code count} decisions approve. */
    int approvalsAmongFirst(int count) {
        return (int) decisions.subList(0, count).stream().filter(d -> d.verdict() == Verdict.APPROVE).count();
    }

    List<String> eligibleGroups() {
        return List.copyOf(eligibleGroups);
    }

    /** Everyone who decided, as shown to others, in the order they did. */
    List<String> deciders() {
        return decisions.stream().map(decision -> decision.decider().display()).toList();
    }

    ApprovalState state() {
        return new ApprovalState(call.approvalId(), outcome, call.policy().required(), decisions, eligibleGroups, deadline);
    }

    /** The workflow's result once the outcome is final; {@code forwarded} only for an approved call. */
    GatedCallResult result(ForwardResult forwarded) {
        return new GatedCallResult(call.approvalId(), outcome, decisions, outcomeDetail(), forwarded, decidedAt);
    }

    /** Why it ended, in words a caller can act on. */
    private String outcomeDetail() {
        return switch (outcome) {
            case APPROVED -> "approved by " + String.join(", ", approvers());
            case DENIED -> decisions.stream()
                    .filter(decision -> decision.verdict() == Verdict.DENY)
                    .findFirst()
                    .map(denial -> "denied by " + denial.decider().display()
                            + (denial.reason().isEmpty() ? "" : ": " + denial.reason()))
                    .orElseThrow();
            case EXPIRED -> "no decision within " + words(call.policy().timeout()) + " (deadline " + deadline + ")";
            case CANCELLED -> "cancelled by the caller";
            case PENDING -> throw new IllegalStateException("approval " + call.approvalId() + " is still pending");
        };
    }

    /** Distinct approvers (one person through several channels counts once), in the order they approved. */
    private List<String> approvers() {
        List<Person> people = new ArrayList<>();
        for (Decision decision : decisions) {
            Person approver = decision.decider();
            if (decision.verdict() == Verdict.APPROVE && people.stream().noneMatch(approver::isSamePersonAs)) {
                people.add(approver);
            }
        }
        return people.stream().map(Person::display).toList();
    }

    private static String pastTense(Verdict verdict) {
        return verdict == Verdict.APPROVE ? "approved" : "denied";
    }

    /** {@code 30m}, {@code 1h30m}, {@code 45s}: how the policy file spells a duration. */
    private static String words(Duration duration) {
        StringBuilder words = new StringBuilder();
        if (duration.toHours() > 0) {
            words.append(duration.toHours()).append('h');
        }
        if (duration.toMinutesPart() > 0) {
            words.append(duration.toMinutesPart()).append('m');
        }
        if (duration.toSecondsPart() > 0) {
            words.append(duration.toSecondsPart()).append('s');
        }
        return words.isEmpty() ? duration.toString() : words.toString();
    }

    private static ApplicationFailure refusal(DecisionRefusal refusal, String message) {
        return ApplicationFailure.newNonRetryableFailure(message, refusal.name());
    }
}
