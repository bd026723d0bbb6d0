package dev.gatehouse.workflows.gated;

import io.temporal.testing.WorkflowReplayer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static dev.gatehouse.workflows.gated.GatedCallHarness.result;
import static dev.gatehouse.workflows.gated.TestCalls.ALICE;
import static dev.gatehouse.workflows.gated.TestCalls.CAROL;
import static dev.gatehouse.workflows.gated.TestCalls.approve;
import static dev.gatehouse.workflows.gated.TestCalls.call;
import static dev.gatehouse.workflows.gated.TestCalls.policy;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Approvals wait for days, so workers are upgraded under running workflows: the current code must
 * replay a history recorded by an earlier one. A change that fails this goes behind {@code Workflow.getVersion}.
 */
class GatedCallReplayTest {

    /** Recorded before version "concurrent-records": decisions, forward, outcome and settlement one after another. */
    private static final String HISTORY_V0 = "histories/gated-call-approved-v0.json";
    /** Recorded at version 1 of "concurrent-records": the last decision beside the forward, the outcome beside the settlement. */
    private static final String HISTORY_V1 = "histories/gated-call-approved-v1.json";
    /**
     * Recorded at version 1 of "keyed-notices": notices delivered without the workflow waiting, progress shown, the
     * outcome settled by a child workflow.
     */
    private static final String HISTORY = "histories/gated-call-approved-v2.json";

    @Test
    void replaysAnApprovalRecordedBeforeConcurrentRecords() throws Exception {
        WorkflowReplayer.replayWorkflowExecutionFromResource(HISTORY_V0, GatedCallWorkflowImpl.class);
    }

    @Test
    void replaysAnApprovalRecordedBeforeKeyedNotices() throws Exception {
        WorkflowReplayer.replayWorkflowExecutionFromResource(HISTORY_V1, GatedCallWorkflowImpl.class);
    }

    @Test
    void replaysARecordedApproval() throws Exception {
        WorkflowReplayer.replayWorkflowExecutionFromResource(HISTORY, GatedCallWorkflowImpl.class);
    }

    /**
     * Records the history above: a 2-of-N approval with a reminder and an escalation on the way, then
     * forwarded. Runs only with {@code -Dgatehouse.recordHistory=true} (from the workflows module), to add a
     * history when the workflow changes; never to paper over a replay failure.
     */
    @Test
    @EnabledIfSystemProperty(named = "gatehouse.recordHistory", matches = "true")
    void recordsAnApprovedHistory() throws Exception {
        EscalationStep toEngLeads = new EscalationStep(Duration.ofMinutes(15), List.of("eng-leads"));
        try (GatedCallHarness harness = new GatedCallHarness()) {
            GatedCallWorkflow workflow = harness.start(
                    call("ap-recorded", policy(2, Duration.ofMinutes(10), List.of(toEngLeads))));
            harness.env.sleep(Duration.ofMinutes(11));
            assertEquals(NoticeKind.REMINDER, harness.notify.next().kind());
            workflow.decide(approve(ALICE));
            harness.env.sleep(Duration.ofMinutes(5));
            assertEquals(NoticeKind.ESCALATION, harness.notify.next().kind());
            workflow.decide(approve(CAROL));
            assertEquals(Outcome.APPROVED, result(workflow).outcome());

            Files.writeString(Path.of("src/test/resources", HISTORY),
                    harness.client.fetchHistory("ap-recorded").toJson(true));
        }
    }
}
