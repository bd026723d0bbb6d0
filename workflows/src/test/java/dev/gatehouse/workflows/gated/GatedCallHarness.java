package dev.gatehouse.workflows.gated;

import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.client.WorkflowUpdateException;
import io.temporal.common.SearchAttributeKey;
import io.temporal.common.converter.DataConverter;
import io.temporal.common.converter.DefaultDataConverter;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.testing.WorkflowReplayer;
import io.temporal.worker.Worker;
import org.junit.jupiter.api.function.Executable;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One in-memory, time-skipping Temporal service with a worker running {@link GatedCallWorkflowImpl}
 * against the recording stand-ins. One per test; close it after.
 */
final class GatedCallHarness implements AutoCloseable {

    static final String TASK_QUEUE = "gated-calls-test";

    final TestWorkflowEnvironment env;
    final WorkflowClient client;
    final RecordingRecords records = new RecordingRecords();
    final RecordingNotify notify = new RecordingNotify();
    final ScriptedForward forward = new ScriptedForward();

    /** With Temporal's default converter under the fix for update validators' failures. */
    GatedCallHarness() {
        this(UpdateRejectionDataConverter.around(DefaultDataConverter.newDefaultInstance()));
    }

    /** With {@code converter} for the worker and the client both, as the broker has it. */
    GatedCallHarness(DataConverter converter) {
        env = TestWorkflowEnvironment.newInstance(TestEnvironmentOptions.newBuilder()
                .setWorkflowClientOptions(WorkflowClientOptions.newBuilder()
                        .setDataConverter(converter)
                        .build())
                .build());
        client = env.getWorkflowClient();
        for (SearchAttributeKey<?> key : GatedCallSearchAttributes.ALL) {
            env.registerSearchAttribute(key.getName(), key.getValueType());
        }
        Worker worker = env.newWorker(TASK_QUEUE);
        worker.registerWorkflowImplementationTypes(GatedCallWorkflowImpl.class, NoticeSettlementWorkflowImpl.class);
        worker.registerActivitiesImplementations(records, notify, forward);
        env.start();
    }

    /** Starts the workflow for {@code call} and returns once its first notice went out: from then on it waits for decisions. */
    GatedCallWorkflow start(GatedCall call) throws InterruptedException {
        GatedCallWorkflow workflow = startOnly(call);
        assertEquals(NoticeKind.REQUEST, notify.next().kind());
        return workflow;
    }

    /** Starts the workflow for {@code call} and returns at once. */
    GatedCallWorkflow startOnly(GatedCall call) {
        GatedCallWorkflow workflow = client.newWorkflowStub(GatedCallWorkflow.class, WorkflowOptions.newBuilder()
                .setWorkflowId(call.approvalId())
                .setTaskQueue(TASK_QUEUE)
                .build());
        WorkflowClient.start(workflow::run, call);
        return workflow;
    }

    /** Waits until the workflow sleeps on a timer with nothing under way. */
    void awaitSleeping(String workflowId) {
        awaitHistory(workflowId, "to sleep on a timer with no activity under way", events -> {
            long scheduled = events.stream().filter(e -> e == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED).count();
            long ended = events.stream().filter(e -> e == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED
                    || e == EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED || e == EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT).count();
            // Notices complete while the timer runs: the workflow takes them in and sleeps on.
            return scheduled == ended && events.contains(EventType.EVENT_TYPE_TIMER_STARTED)
                    && (events.getLast() == EventType.EVENT_TYPE_TIMER_STARTED
                    || events.getLast() == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
        });
    }

    /** Waits until the workflow's history holds an event of {@code type}. */
    void awaitEvent(String workflowId, EventType type) {
        awaitHistory(workflowId, "to record " + type, events -> events.contains(type));
    }

    /**
     * Waits until the workflow's event types satisfy {@code reached}, reading the history again and again:
     * the in-memory server's long poll for new events is broken (it indexes past the end of the history),
     * and sleeping between looks would make the tests slower and no surer. (Tests that cancel wait for the
     * workflow to be still first: the in-memory server wedges when an activity completes while the workflow
     * asks to cancel it.)
     */
    void awaitHistory(String workflowId, String what, Predicate<List<EventType>> reached) {
        long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!reached.test(client.fetchHistory(workflowId).getEvents().stream().map(HistoryEvent::getEventType).toList())) {
            assertTrue(System.nanoTime() < giveUp, "workflow " + workflowId + " did not come " + what + " within 10s");
            Thread.onSpinWait();
        }
    }

    /** Waits for the result, letting time skip ahead to the workflow's next timer meanwhile. */
    static GatedCallResult result(GatedCallWorkflow workflow) {
        return WorkflowStub.fromTyped(workflow).getResult(GatedCallResult.class);
    }

    /** The refusal the {@code decide} validator answered {@code decide} with. */
    static ApplicationFailure refusal(Executable decide) {
        WorkflowUpdateException refused = assertThrows(WorkflowUpdateException.class, decide);
        return assertInstanceOf(ApplicationFailure.class, refused.getCause());
    }

    static void assertRefused(DecisionRefusal expected, String message, Executable decide) {
        ApplicationFailure refusal = refusal(decide);
        assertEquals(expected.name(), refusal.getType());
        assertEquals(message, refusal.getOriginalMessage());
    }

    /** Replays the workflow's history against the current code: fails on any nondeterminism. */
    void assertReplays(String workflowId) throws Exception {
        WorkflowReplayer.replayWorkflowExecution(client.fetchHistory(workflowId), GatedCallWorkflowImpl.class);
    }

    @Override
    public void close() {
        // A test that failed while holding an activity must not leave the worker stuck at shutdown.
        records.outcomeHold.open();
        notify.hold.open();
        forward.hold.open();
        env.close();
    }
}
