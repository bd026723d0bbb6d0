package dev.gatehouse.workflows.gated;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static dev.gatehouse.workflows.gated.GatedCallHarness.assertRefused;
import static dev.gatehouse.workflows.gated.GatedCallHarness.result;
import static dev.gatehouse.workflows.gated.TestCalls.CAROL;
import static dev.gatehouse.workflows.gated.TestCalls.approve;
import static dev.gatehouse.workflows.gated.TestCalls.call;
import static dev.gatehouse.workflows.gated.TestCalls.policy;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

/** What time does to a waiting call: escalation, reminders, expiry. Time is skipped, never slept. */
class GatedCallTimingTest {

    private static final EscalationStep TO_ENG_LEADS = new EscalationStep(Duration.ofMinutes(15), List.of("eng-leads"));

    private final GatedCallHarness harness = new GatedCallHarness();

    @AfterEach
    void close() {
        harness.close();
    }

    @Test
    void escalationNotifiesTheNextGroupsAndLetsThemDecide() throws Exception {
        GatedCallWorkflow workflow = harness.start(call("ap-escalate", policy(1, null, List.of(TO_ENG_LEADS))));
        assertRefused(DecisionRefusal.NOT_ELIGIBLE,
                "carol@example.com is in none of the groups that may decide this call now: dba",
                () -> workflow.decide(approve(CAROL)));

        harness.env.sleep(Duration.ofMinutes(16));
        ApprovalNotice escalation = harness.notify.next();

        assertEquals(NoticeKind.ESCALATION, escalation.kind());
        assertEquals(List.of("eng-leads"), escalation.groups());
        assertEquals(harness.records.deadline(), escalation.deadline());
        ApprovalState state = workflow.decide(approve(CAROL));
        assertEquals(List.of("dba", "eng-leads"), state.eligibleGroups());
        assertEquals(Outcome.APPROVED, state.outcome());
        GatedCallResult result = result(workflow);
        assertEquals("approved by carol@example.com", result.detail());
        assertEquals(1, harness.forward.calls.get());
        harness.assertReplays("ap-escalate");
    }

    @Test
    void remindsTheEligibleGroupsEveryInterval() throws Exception {
        GatedCallWorkflow workflow = harness.start(
                call("ap-remind", policy(1, Duration.ofMinutes(10), List.of(TO_ENG_LEADS))));

        harness.env.sleep(Duration.ofMinutes(11));
        ApprovalNotice first = harness.notify.next();
        harness.env.sleep(Duration.ofMinutes(5));
        ApprovalNotice escalation = harness.notify.next();
        harness.env.sleep(Duration.ofMinutes(5));
        ApprovalNotice second = harness.notify.next();

        assertEquals(new ApprovalNotice(first.call(), NoticeKind.REMINDER, List.of("dba"), first.deadline(), "reminder-1", 0), first);
        assertEquals(NoticeKind.ESCALATION, escalation.kind());
        // Reminders go to every group that may decide by then, the escalated ones included.
        assertEquals(NoticeKind.REMINDER, second.kind());
        assertEquals(List.of("dba", "eng-leads"), second.groups());

        // The reminder due with the deadline is not sent: the call expires instead.
        GatedCallResult result = result(workflow);
        assertEquals(Outcome.EXPIRED, result.outcome());
        assertEquals(List.of(NoticeKind.REQUEST, NoticeKind.REMINDER, NoticeKind.ESCALATION, NoticeKind.REMINDER),
                harness.notify.notices.stream().map(ApprovalNotice::kind).toList());
        assertEquals(5, harness.notify.settlement().notifications().size());
        harness.assertReplays("ap-remind");
    }

    @Test
    void expiresAfterTheTimeoutWithoutForwarding() throws Exception {
        GatedCallWorkflow workflow = harness.start(call("ap-expire", policy()));

        GatedCallResult result = result(workflow);

        assertEquals(Outcome.EXPIRED, result.outcome());
        assertEquals("no decision within 30m (deadline " + harness.records.deadline() + ")", result.detail());
        assertNull(result.forwarded());
        assertFalse(result.decidedAt().isBefore(harness.records.deadline()));
        assertEquals(0, harness.forward.calls.get());
        assertEquals(List.of(result), harness.records.outcomes);
        RecordingNotify.Settlement shown = harness.notify.settlement();
        assertEquals(new RecordingNotify.Settlement(result, shown.notifications()), shown);
    }
}
