package dev.gatehouse.bench;

import io.temporal.api.common.v1.WorkflowExecution;
import com.google.protobuf.Timestamp;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.workflowservice.v1.GetWorkflowExecutionHistoryRequest;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;

/**
 * Looks at gated-call workflows from Temporal's side: a workflow has <em>opened</em> its approval once
 * its history has a timer started, which it does only when the pending record and the approvers'
 * notices are done and it waits for decisions. Until then a decision is refused ("not open for
 * decisions yet"), though the caller is told it waits and the inbox lists the approval. Thread-safe.
 */
final class TemporalProbe implements AutoCloseable {

    private static final Duration POLL = Duration.ofMillis(10);

    private final WorkflowServiceStubs stubs;
    private final String namespace;

    TemporalProbe(String target, String namespace) {
        this.stubs = WorkflowServiceStubs.newServiceStubs(WorkflowServiceStubsOptions.newBuilder().setTarget(target).build());
        this.namespace = namespace;
    }

    boolean isOpen(String approvalId) {
        return openedAfter(approvalId).isPresent();
    }

    /**
     * How long after its start the workflow of {@code approvalId} opened the approval, by the Temporal server's
     * own event times; empty while it has not.
     */
    Optional<Duration> openedAfter(String approvalId) {
        GetWorkflowExecutionHistoryRequest request = GetWorkflowExecutionHistoryRequest.newBuilder()
                .setNamespace(namespace)
                .setExecution(WorkflowExecution.newBuilder().setWorkflowId(approvalId))
                .build();
        List<HistoryEvent> events = stubs.blockingStub().getWorkflowExecutionHistory(request).getHistory().getEventsList();
        Optional<HistoryEvent> started = events.stream()
                .filter(event -> event.getEventType() == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED).findFirst();
        Optional<HistoryEvent> timer = events.stream()
                .filter(event -> event.getEventType() == EventType.EVENT_TYPE_TIMER_STARTED).findFirst();
        if (started.isEmpty() || timer.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(Duration.between(instant(started.get().getEventTime()), instant(timer.get().getEventTime())));
    }

    /**
     * Waits until every one of {@code approvalIds} is open, polling every 10 ms; returns
     * {@link System#nanoTime()} when the last was seen open, or throws when {@code timeout} passes first.
     */
    long awaitOpen(Collection<String> approvalIds, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (String id : approvalIds) {
            while (!isOpen(id)) {
                checkDeadline(deadline, id, timeout);
                Thread.sleep(POLL);
            }
        }
        return System.nanoTime();
    }

    /**
     * Waits until every one of {@code approvalIds} is open, going round those still closed; returns each one's
     * start-to-open time in nanoseconds, or throws when {@code timeout} passes first.
     */
    long[] awaitAllOpen(Collection<String> approvalIds, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<String> closed = new ArrayList<>(approvalIds);
        long[] lags = new long[approvalIds.size()];
        int n = 0;
        while (!closed.isEmpty()) {
            for (Iterator<String> it = closed.iterator(); it.hasNext(); ) {
                String id = it.next();
                Optional<Duration> opened = openedAfter(id);
                if (opened.isPresent()) {
                    lags[n++] = opened.get().toNanos();
                    it.remove();
                }
            }
            if (!closed.isEmpty()) {
                checkDeadline(deadline, closed.getFirst() + " (and " + (closed.size() - 1) + " more)", timeout);
                Thread.sleep(Duration.ofMillis(100));
            }
        }
        return lags;
    }

    private static void checkDeadline(long deadline, String what, Duration timeout) {
        if (System.nanoTime() > deadline) {
            throw new IllegalStateException("the workflow of approval " + what + " did not open within "
                    + timeout.toSeconds() + " s (no timer in its history: its first tasks have not run)");
        }
    }

    private static Instant instant(Timestamp t) {
        return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
    }

    @Override
    public void close() {
        stubs.shutdownNow();
    }
}
