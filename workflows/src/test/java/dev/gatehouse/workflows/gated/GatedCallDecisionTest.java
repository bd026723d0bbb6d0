package dev.gatehouse.workflows.gated;

import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.gatehouse.workflows.gated.GatedCallHarness.assertRefused;
import static dev.gatehouse.workflows.gated.GatedCallHarness.result;
import static dev.gatehouse.workflows.gated.TestCalls.ALICE;
import static dev.gatehouse.workflows.gated.TestCalls.BOB;
import static dev.gatehouse.workflows.gated.TestCalls.CAROL;
import static dev.gatehouse.workflows.gated.TestCalls.DAVE;
import static dev.gatehouse.workflows.gated.TestCalls.ERIN;
import static dev.gatehouse.workflows.gated.TestCalls.approve;
import static dev.gatehouse.workflows.gated.TestCalls.call;
import static dev.gatehouse.workflows.gated.TestCalls.deny;
import static dev.gatehouse.workflows.gated.TestCalls.policy;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Who may decide a gated call, and what their decisions make of it. */
class GatedCallDecisionTest {

    private final GatedCallHarness harness = new GatedCallHarness();

    @AfterEach
    void close() {
        harness.close();
    }

    @Test
    void approvesWithOneApprovalAndForwardsOnce() throws Exception {
        GatedCall call = call("ap-approve", policy());
        GatedCallWorkflow workflow = harness.start(call);

        ApprovalState state = workflow.decide(approve(ALICE));
        GatedCallResult result = result(workflow);

        assertEquals(Outcome.APPROVED, state.outcome());
        assertEquals(Outcome.APPROVED, result.outcome());
        assertEquals("approved by alice@example.com", result.detail());
        assertEquals(ForwardResult.answered(ScriptedForward.answerTo(call)), result.forwarded());
        assertEquals(1, harness.forward.calls.get());
        Decision decision = result.decisions().getFirst();
        assertEquals(ALICE, decision.decider());
        assertEquals("web", decision.channel());
        assertEquals(decision.at(), result.decidedAt());
        assertEquals(List.of(decision), harness.records.decisions);
        assertEquals(List.of(result), harness.records.outcomes);
        assertEquals(new RecordingNotify.Settlement(result, List.of(new Notification("web", "dba", "request-1"))), harness.notify.settlement());
        harness.assertReplays(call.approvalId());
    }

    @Test
    void takesADecisionSentTheMomentTheApprovalStarts() throws Exception {
        GatedCall call = call("ap-at-once", policy());
        // Before the workflow's first task: the update arrives with it and must meet an open approval.
        GatedCallWorkflow workflow = harness.startOnly(call);

        ApprovalState state = workflow.decide(approve(ALICE));

        assertEquals(Outcome.APPROVED, state.outcome());
        assertEquals(Outcome.APPROVED, result(workflow).outcome());
        assertEquals(1, harness.forward.calls.get());
    }

    @Test
    void deniesOnAnyDenyWithoutForwarding() throws Exception {
        GatedCallWorkflow workflow = harness.start(call("ap-deny", policy(2, null, List.of())));

        workflow.decide(approve(ALICE));
        ApprovalState state = workflow.decide(deny(BOB, "not during the freeze"));
        GatedCallResult result = result(workflow);

        assertEquals(Outcome.DENIED, state.outcome());
        assertEquals(Outcome.DENIED, result.outcome());
        assertEquals("denied by bob@example.com: not during the freeze", result.detail());
        assertNull(result.forwarded());
        assertEquals(0, harness.forward.calls.get());
        assertEquals(2, harness.records.decisions.size());
        assertEquals(List.of(result), harness.records.outcomes);
        RecordingNotify.Settlement shown = harness.notify.settlement();
        assertEquals(new RecordingNotify.Settlement(result, shown.notifications()), shown);
    }

    @Test
    void needsTheRequiredNumberOfDistinctApprovers() throws Exception {
        GatedCallWorkflow workflow = harness.start(call("ap-two", policy(2, null, List.of())));

        ApprovalState first = workflow.decide(approve(ALICE));
        assertEquals(Outcome.PENDING, first.outcome());
        assertEquals(2, first.required());
        assertRefused(DecisionRefusal.ALREADY_DECIDED_BY_YOU,
                "alice@example.com has already approved this call (at " + first.decisions().getFirst().at() + ")",
                () -> workflow.decide(approve(ALICE)));
        assertEquals(Outcome.PENDING, workflow.state().outcome());
        // The first approval, short of two, is shown on the notices; the second is shown by the settlement.
        assertEquals(new RecordingNotify.Shown(first.decisions().getFirst(), 1, 1), harness.notify.nextProgress());

        ApprovalState second = workflow.decide(approve(BOB));
        GatedCallResult result = result(workflow);

        assertEquals(Outcome.APPROVED, second.outcome());
        assertEquals("approved by alice@example.com, bob@example.com", result.detail());
        assertEquals(1, harness.forward.calls.get());
        assertEquals(List.of(ALICE, BOB), harness.records.decisions.stream().map(Decision::decider).toList());
    }

    @Test
    void countsOnePersonOnceAcrossChannels() throws Exception {
        GatedCallWorkflow workflow = harness.start(call("ap-one-person", policy(2, null, List.of())));
        workflow.decide(approve(ALICE));
        // An e-mailed link names alice by her address only; she is still the one who approved in the inbox.
        Person aliceByMail = new Person("alice@example.com", "ALICE@example.com");

        assertRefused(DecisionRefusal.ALREADY_DECIDED_BY_YOU,
                "ALICE@example.com has already approved this call (at " + workflow.state().decisions().getFirst().at() + ")",
                () -> workflow.decide(new DecisionRequest(aliceByMail, Verdict.APPROVE, "", "email")));
        assertEquals(Outcome.PENDING, workflow.state().outcome());
    }

    @Test
    void refusesSelfApprovalWithoutTouchingHistory() throws Exception {
        // Hold the workflow inside its first notice, so nothing else moves its history while we look.
        harness.notify.hold.close();
        GatedCall call = call("ap-self", policy());
        GatedCallWorkflow workflow = harness.startOnly(call);
        harness.notify.hold.awaitReached();
        List<EventType> before = history(call);

        // dave is a DBA too, so only the self-approval rule stops him.
        assertRefused(DecisionRefusal.SELF_APPROVAL,
                "dave@example.com made this call and cannot decide it; another approver must",
                () -> workflow.decide(approve(DAVE)));

        // The in-memory server writes the workflow task that carried the refused update (a real server drops that
        // speculative task); what must not appear is anything else: no update accepted, no decision, no command.
        List<EventType> after = history(call);
        assertEquals(before, after.subList(0, before.size()));
        assertTrue(after.subList(before.size(), after.size()).stream()
                .allMatch(type -> type.name().startsWith("EVENT_TYPE_WORKFLOW_TASK_")), after::toString);
        harness.notify.hold.open();
        assertEquals(Outcome.APPROVED, workflow.decide(approve(ALICE)).outcome());
        assertEquals(List.of(ALICE), result(workflow).decisions().stream().map(Decision::decider).toList());
    }

    @Test
    void refusesApproverOutsideTheEligibleGroups() throws Exception {
        GatedCallWorkflow workflow = harness.start(call("ap-ineligible", policy()));

        assertRefused(DecisionRefusal.NOT_ELIGIBLE,
                "erin@example.com is in none of the groups that may decide this call now: dba",
                () -> workflow.decide(approve(ERIN)));
        // carol's group exists in the policy, but only an escalation step would let it decide.
        assertRefused(DecisionRefusal.NOT_ELIGIBLE,
                "carol@example.com is in none of the groups that may decide this call now: dba",
                () -> workflow.decide(deny(CAROL, "no")));

        assertEquals(List.of(), workflow.state().decisions());
        assertEquals(List.of(), harness.records.decisions);
    }

    @Test
    void refusesDecisionAfterTheOutcomeNamingWhoDecided() throws Exception {
        // Keep the workflow open between its outcome and recording it, where late decisions still arrive.
        harness.records.outcomeHold.close();
        GatedCallWorkflow workflow = harness.start(call("ap-late", policy(2, null, List.of())));
        workflow.decide(approve(ALICE));
        workflow.decide(approve(BOB));
        harness.records.outcomeHold.awaitReached();

        assertRefused(DecisionRefusal.ALREADY_DECIDED, "already approved by alice@example.com, bob@example.com",
                () -> workflow.decide(deny(CAROL, "too late")));
        assertRefused(DecisionRefusal.ALREADY_DECIDED, "already approved by alice@example.com, bob@example.com",
                () -> workflow.decide(approve(DAVE)));

        harness.records.outcomeHold.open();
        assertEquals(2, result(workflow).decisions().size());
    }

    @Test
    void refusesDecisionAfterDenialQuotingTheReason() throws Exception {
        harness.records.outcomeHold.close();
        GatedCallWorkflow workflow = harness.start(call("ap-late-deny", policy()));
        workflow.decide(deny(BOB, "not during the freeze"));
        harness.records.outcomeHold.awaitReached();

        assertRefused(DecisionRefusal.ALREADY_DECIDED, "already denied by bob@example.com: not during the freeze",
                () -> workflow.decide(approve(ALICE)));

        harness.records.outcomeHold.open();
        assertEquals(Outcome.DENIED, result(workflow).outcome());
    }

    /** The history as event types, which is what a refusal must leave as it was. */
    private List<EventType> history(GatedCall call) {
        return harness.client.fetchHistory(call.approvalId()).getEvents().stream().map(HistoryEvent::getEventType).toList();
    }
}
