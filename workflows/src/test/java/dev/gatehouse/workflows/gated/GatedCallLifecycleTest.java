package dev.gatehouse.workflows.gated;

import io.temporal.api.enums.v1.EventType;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowStub;
import io.temporal.common.SearchAttributes;
import io.temporal.failure.CanceledFailure;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.gatehouse.workflows.gated.GatedCallHarness.assertRefused;
import static dev.gatehouse.workflows.gated.GatedCallHarness.result;
import static dev.gatehouse.workflows.gated.TestCalls.ALICE;
import static dev.gatehouse.workflows.gated.TestCalls.approve;
import static dev.gatehouse.workflows.gated.TestCalls.call;
import static dev.gatehouse.workflows.gated.TestCalls.policy;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** How a gated call ends besides a decision, what it shows operators, and how it survives broken parts. */
class GatedCallLifecycleTest {

    private final GatedCallHarness harness = new GatedCallHarness();

    @AfterEach
    void close() {
        harness.close();
    }

    @Test
    void cancelWhileWaitingRecordsAndSettlesTheCallAsCancelled() throws Exception {
        harness.records.outcomeHold.close();
        GatedCallWorkflow workflow = harness.start(call("ap-cancel", policy()));
        WorkflowStub stub = WorkflowStub.fromTyped(workflow);
        harness.awaitSleeping("ap-cancel");

        stub.cancel();
        harness.records.outcomeHold.awaitReached();
        assertRefused(DecisionRefusal.ALREADY_DECIDED, "already cancelled by the caller",
                () -> workflow.decide(approve(ALICE)));
        harness.records.outcomeHold.open();

        // The SDK closes a workflow whose cancellation was requested as cancelled, whatever it returns:
        // a waiting client learns the outcome from the audit store, where it is recorded.
        WorkflowFailedException closed = assertThrows(WorkflowFailedException.class,
                () -> stub.getResult(GatedCallResult.class));
        assertInstanceOf(CanceledFailure.class, closed.getCause());
        GatedCallResult recorded = harness.records.outcomes.getFirst();
        assertEquals(Outcome.CANCELLED, recorded.outcome());
        assertEquals("cancelled by the caller", recorded.detail());
        assertNull(recorded.forwarded());
        assertEquals(0, harness.forward.calls.get());
        assertEquals(new RecordingNotify.Settlement(recorded, List.of(new Notification("web", "dba", "request-1"))), harness.notify.settlement());
        assertEquals("cancelled", stub.describe().getTypedSearchAttributes().get(GatedCallSearchAttributes.STATUS));
        harness.assertReplays("ap-cancel");
    }

    @Test
    void cancelDuringTheFirstNoticeStillSettlesIt() throws Exception {
        harness.notify.hold.close();
        GatedCall call = call("ap-cancel-notice", policy());
        GatedCallWorkflow workflow = harness.startOnly(call);
        harness.notify.hold.awaitReached();

        WorkflowStub.fromTyped(workflow).cancel();
        harness.awaitHistory(call.approvalId(), "to take the cancel in", events ->
                events.contains(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED)
                        && events.lastIndexOf(EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED)
                        > events.indexOf(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED));
        harness.notify.hold.open();

        assertThrows(WorkflowFailedException.class, () -> result(workflow));
        // The notice was let finish rather than cancelled under way: no cancel raced its completion.
        assertFalse(harness.client.fetchHistory(call.approvalId()).getEvents().stream()
                .anyMatch(e -> e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED));
        GatedCallResult recorded = harness.records.outcomes.getFirst();
        assertEquals(Outcome.CANCELLED, recorded.outcome());
        // The notice was still going out when the call ended, so the workflow never saw its handle: the settlement
        // finds it in the notice ledger instead (NotifyActivitiesTest shows that), and this stand-in keeps none.
        assertEquals(new RecordingNotify.Settlement(recorded, List.of()), harness.notify.settlement());
    }

    @Test
    void approvedCallRunsToItsEndWhenTheCallerCancelsDuringForwarding() throws Exception {
        harness.forward.hold.close();
        GatedCall call = call("ap-cancel-late", policy());
        GatedCallWorkflow workflow = harness.start(call);
        workflow.decide(approve(ALICE));
        harness.forward.hold.awaitReached();

        WorkflowStub.fromTyped(workflow).cancel();
        harness.awaitHistory(call.approvalId(), "to take the cancel in", events ->
                events.contains(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED)
                        && events.lastIndexOf(EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED)
                        > events.indexOf(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED));
        harness.forward.hold.open();

        assertThrows(WorkflowFailedException.class, () -> result(workflow));
        GatedCallResult recorded = harness.records.outcomes.getFirst();
        assertEquals(Outcome.APPROVED, recorded.outcome());
        assertEquals(ForwardResult.answered(ScriptedForward.answerTo(call)), recorded.forwarded());
        assertEquals(1, harness.forward.calls.get());
        RecordingNotify.Settlement shown = harness.notify.settlement();
        assertEquals(new RecordingNotify.Settlement(recorded, shown.notifications()), shown);
        harness.assertReplays("ap-cancel-late");
    }

    @Test
    void reportsAFailedForwardAsAnErrorResultWithoutRetrying() throws Exception {
        harness.forward.failure = new IllegalStateException("connection reset after the request was sent");
        GatedCallWorkflow workflow = harness.start(call("ap-forward-fails", policy()));

        workflow.decide(approve(ALICE));
        GatedCallResult result = result(workflow);

        assertEquals(Outcome.APPROVED, result.outcome());
        assertEquals(ForwardResult.failed("the upstream call did not complete (connection reset after the request "
                + "was sent); it may have run at the upstream, so it was not retried"), result.forwarded());
        assertEquals(1, harness.forward.calls.get());
        assertEquals(List.of(result), harness.records.outcomes);
    }

    @Test
    void setsSearchAttributesForOperators() throws Exception {
        GatedCallWorkflow workflow = harness.start(call("ap-attributes", policy()));
        WorkflowStub stub = WorkflowStub.fromTyped(workflow);

        SearchAttributes pending = stub.describe().getTypedSearchAttributes();
        assertEquals("crm", pending.get(GatedCallSearchAttributes.UPSTREAM));
        assertEquals("delete_customer", pending.get(GatedCallSearchAttributes.TOOL));
        assertEquals("dave@example.com", pending.get(GatedCallSearchAttributes.REQUESTER));
        assertEquals("pending", pending.get(GatedCallSearchAttributes.STATUS));
        assertFalse(pending.containsKey(GatedCallSearchAttributes.DECIDED_BY));

        workflow.decide(approve(ALICE));
        result(workflow);

        SearchAttributes decided = stub.describe().getTypedSearchAttributes();
        assertEquals("approved", decided.get(GatedCallSearchAttributes.STATUS));
        assertEquals(List.of("alice@example.com"), decided.get(GatedCallSearchAttributes.DECIDED_BY));
    }

    @Test
    void namesARequesterWithoutEmailBySubject() throws Exception {
        GatedCall call = call("ap-subject", policy());
        GatedCall byServiceAccount = new GatedCall(call.approvalId(), call.callKey(), call.recordingSessionId(),
                call.sessionId(), call.jsonRpcId(), new Requester("https://kubernetes.default.svc", "system:serviceaccount:ci:deployer", "", List.of()),
                call.upstream(), call.method(), call.target(), call.request(), call.argsDigest(), call.argsPreview(),
                call.policy(), call.forwardTimeout());

        GatedCallWorkflow workflow = harness.start(byServiceAccount);

        assertEquals("system:serviceaccount:ci:deployer",
                WorkflowStub.fromTyped(workflow).describe().getTypedSearchAttributes().get(GatedCallSearchAttributes.REQUESTER));
    }

    @Test
    void goesOnWhenAChannelKeepsFailing() throws Exception {
        harness.notify.broken = true;
        GatedCallWorkflow workflow = harness.start(call("ap-broken-channel", policy()));

        // Waiting for the result lets time skip through the notice's retries and on to the deadline.
        GatedCallResult result = result(workflow);

        assertEquals(Outcome.EXPIRED, result.outcome());
        // The request notice was retried with backoff until the call ended, always under its one key.
        assertTrue(harness.notify.notices.size() > 5, () -> harness.notify.notices.size() + " attempts");
        assertTrue(harness.notify.notices.stream().allMatch(notice -> notice.step().equals("request")));
        assertEquals(new RecordingNotify.Settlement(result, List.of()), harness.notify.settlement());
        assertEquals(List.of(result), harness.records.outcomes);
    }
}
