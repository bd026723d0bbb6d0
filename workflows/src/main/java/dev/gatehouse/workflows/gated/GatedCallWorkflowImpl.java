package dev.gatehouse.workflows.gated;

import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.failure.TemporalFailure;
import io.temporal.failure.TimeoutFailure;
import io.temporal.api.enums.v1.ParentClosePolicy;
import io.temporal.workflow.CancellationScope;
import io.temporal.workflow.ChildWorkflowOptions;
import io.temporal.workflow.Async;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInit;
import org.slf4j.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The gated-call workflow (DESIGN.md "GatedCallWorkflow"): records the approval, notifies, waits for
 * decisions, escalations, reminders or the deadline, forwards an approved call once, records and
 * settles the outcome. One instance per workflow run, driven by the SDK's single workflow thread at a time.
 */
public final class GatedCallWorkflowImpl implements GatedCallWorkflow {

    private static final Logger log = Workflow.getLogger(GatedCallWorkflowImpl.class);

    /** Headroom over the upstream's own timeout, so the upstream's timeout answer arrives before ours cuts it off. */
    private static final Duration FORWARD_HEADROOM = Duration.ofSeconds(10);

    // The audit store must end up complete, and every method is idempotent by approval id, so retry until it answers.
    private final ApprovalRecordActivities records = Workflow.newActivityStub(ApprovalRecordActivities.class,
            ActivityOptions.newBuilder()
                    .setStartToCloseTimeout(Duration.ofSeconds(30))
                    .setRetryOptions(RetryOptions.newBuilder()
                            .setInitialInterval(Duration.ofSeconds(1))
                            .setMaximumInterval(Duration.ofMinutes(1))
                            .setMaximumAttempts(0)
                            .build())
                    .build());

    // A broken channel must not hold up the approval: a few attempts, then the workflow goes on without that notice.
    private final NotifyActivities notify = Workflow.newActivityStub(NotifyActivities.class,
            ActivityOptions.newBuilder()
                    .setStartToCloseTimeout(Duration.ofSeconds(30))
                    .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(5).build())
                    .build());

    // Keyed notices are delivered once per channel (the activity keeps a ledger), so they are retried with backoff for as
    // long as the call waits, and the workflow does not wait for them: a channel that is down holds up neither the
    // other channels nor escalation and expiry. Retries stop when the workflow closes.
    private final NotifyActivities announcer = Workflow.newActivityStub(NotifyActivities.class,
            ActivityOptions.newBuilder()
                    .setStartToCloseTimeout(Duration.ofSeconds(30))
                    .setRetryOptions(RetryOptions.newBuilder()
                            .setInitialInterval(Duration.ofSeconds(1))
                            .setBackoffCoefficient(2.0)
                            .setMaximumInterval(Duration.ofMinutes(1))
                            .setMaximumAttempts(0)
                            .build())
                    .build());

    private final List<Notification> notifications = new ArrayList<>();
    private final GatedCall call;
    private final ApprovalLedger ledger;
    private final long startMillis;
    private boolean pendingRecorded;
    private static final String CONCURRENT_RECORDS = "concurrent-records";
    private boolean concurrentRecords;
    private static final String KEYED_NOTICES = "keyed-notices";
    private boolean keyedNotices;
    private int reminders;
    /** How many of the ledger's decisions are in the audit store; they are recorded in order. */
    private int recorded;

    /**
     * Sets the state up before anything else runs: an approver who decides the moment the approval is
     * listed (its decision may arrive with the workflow's first task) meets an open approval, not a refusal.
     */
    @WorkflowInit
    public GatedCallWorkflowImpl(GatedCall call) {
        this.call = call;
        startMillis = Workflow.currentTimeMillis();
        ledger = new ApprovalLedger(call, Instant.ofEpochMilli(startMillis).plus(call.policy().timeout()));
    }

    @Override
    public GatedCallResult run(GatedCall call) {
        // Any change to the commands this workflow issues, or their order, goes behind Workflow.getVersion.
        // Version 1: the last decision is recorded while the call is forwarded, the outcome while notices are
        // settled (the caller waits for less); workflows started before it replay the one-after-another order.
        concurrentRecords = Workflow.getVersion(CONCURRENT_RECORDS, Workflow.DEFAULT_VERSION, 1) >= 1;
        // Version 1: notices are keyed, delivered without the workflow waiting and retried until the call ends;
        // decisions short of the outcome are shown on the notices; the outcome is shown by a child workflow that
        // outlives this one, so the caller never waits for a channel.
        keyedNotices = Workflow.getVersion(KEYED_NOTICES, Workflow.DEFAULT_VERSION, 1) >= 1;
        Workflow.upsertTypedSearchAttributes(
                GatedCallSearchAttributes.UPSTREAM.valueSet(call.upstream()),
                GatedCallSearchAttributes.TOOL.valueSet(call.target()),
                GatedCallSearchAttributes.REQUESTER.valueSet(requesterName()),
                GatedCallSearchAttributes.STATUS.valueSet(Outcome.PENDING.wireName()));
        try {
            uncancellable(() -> records.recordPending(call, ledger.deadline()));
            pendingRecorded = true;
            notifyGroups(NoticeKind.REQUEST, call.policy().approvers(), "request");
            awaitOutcome();
        } catch (TemporalFailure e) {
            if (!CancellationScope.current().isCancelRequested()) {
                throw e;
            }
            // The caller gave up. Only a waiting call is cancelled: one decided before the cancel arrived runs to its end.
            if (!ledger.outcome().isFinal()) {
                ledger.cancel(now());
            }
        }
        // Detached, so a cancel arriving now cannot stop an approved call half-way or leave the outcome unrecorded.
        // Once cancelled, the SDK (1.38) closes the workflow as cancelled whatever run() returns: clients waiting on
        // it then get a CanceledFailure, and the outcome from the audit store.
        GatedCallResult[] result = new GatedCallResult[1];
        Workflow.newDetachedCancellationScope(() -> result[0] = finish()).run();
        return result[0];
    }

    /**
     * Waits until the outcome is final or the deadline passes, notifying escalation groups and reminding
     * the eligible ones on the way. Wakes for each accepted decision too, to record it while the call waits.
     */
    private void awaitOutcome() {
        List<EscalationStep> steps = call.policy().escalate();
        Duration remindEvery = call.policy().remindEvery();
        int nextStep = 0;
        long nextReminder = remindEvery == null ? Long.MAX_VALUE : startMillis + remindEvery.toMillis();
        long deadline = ledger.deadline().toEpochMilli();
        while (true) {
            if (concurrentRecords && ledger.outcome().isFinal()) {
                // The deciding decision is recorded in finish(), beside the forward.
                return;
            }
            recordNewDecisions(true);
            if (ledger.outcome().isFinal()) {
                return;
            }
            long now = Workflow.currentTimeMillis();
            if (now >= deadline) {
                ledger.expire(Instant.ofEpochMilli(now));
                return;
            }
            // One due step at a time, then look again: a decision may have arrived while notifying.
            long nextStepAt = nextStep < steps.size() ? startMillis + steps.get(nextStep).after().toMillis() : Long.MAX_VALUE;
            if (nextStepAt <= now) {
                EscalationStep step = steps.get(nextStep++);
                ledger.open(step.groups());
                notifyGroups(NoticeKind.ESCALATION, step.groups(), "escalation-" + nextStep);
                continue;
            }
            if (nextReminder <= now) {
                notifyGroups(NoticeKind.REMINDER, ledger.eligibleGroups(), "reminder-" + ++reminders);
                long every = remindEvery.toMillis();
                nextReminder = startMillis + ((now - startMillis) / every + 1) * every;
                continue;
            }
            sleepUntil(Math.min(deadline, Math.min(nextStepAt, nextReminder)));
        }
    }

    /**
     * Runs an activity to its end even if the caller cancels meanwhile: a cancel takes effect where the
     * workflow waits (see {@link #sleepUntil}). So a record or a notice is never cut off half-way, and no
     * activity cancellation races its completion (which leaves Temporal's test server, the dev stack's
     * engine, stuck on the workflow).
     */
    private static void uncancellable(Runnable step) {
        Workflow.newDetachedCancellationScope(step).run();
    }

    /** Waits until {@code wakeAt} (workflow time) or until there is news, whichever comes first. */
    private void sleepUntil(long wakeAt) {
        long wait = wakeAt - Workflow.currentTimeMillis();
        if (wait > 0 && !hasNews()) {
            // A scope of its own, so that news cancels the timer instead of leaving it to fire later for nothing.
            CancellationScope sleep = Workflow.newCancellationScope(
                    () -> Workflow.await(Duration.ofMillis(wait), this::hasNews));
            sleep.run();
            sleep.cancel();
        }
        if (CancellationScope.current().isCancelRequested()) {
            // Workflow.await returns, rather than throws, when the workflow is cancelled.
            throw new CanceledFailure("the caller cancelled the call");
        }
    }

    private boolean hasNews() {
        return ledger.outcome().isFinal() || recorded < ledger.decisionCount();
    }

    /** @param showProgress false once the outcome is final: then the settlement shows every decision */
    private void recordNewDecisions(boolean showProgress) {
        while (recorded < ledger.decisionCount()) {
            Decision next = ledger.decision(recorded);
            uncancellable(() -> records.recordDecision(call.approvalId(), next));
            recorded++;
            if (showProgress) {
                showProgress(next, recorded);
            }
        }
    }

    /** Shows an approval short of the number required on the notices; the outcome is shown by the settlement. */
    private void showProgress(Decision decision, int number) {
        int approvals = ledger.approvalsAmongFirst(number);
        if (!keyedNotices || decision.verdict() != Verdict.APPROVE || approvals >= call.policy().required()) {
            return;
        }
        uncancellable(() -> Async.procedure(announcer::progress, call, decision, number, approvals)
                .exceptionally(failure -> {
                    log.warn("approval {}: decision {} was not shown on the notices: {}", call.approvalId(), number,
                            failure.getMessage());
                    return null;
                }));
    }

    /** After the outcome: in a detached scope, so it runs to the end whatever the caller does. */
    private GatedCallResult finish() {
        if (!pendingRecorded) {
            records.recordPending(call, ledger.deadline());
        }
        if (!concurrentRecords) {
            recordNewDecisions(false);
        }
        List<String> deciders = ledger.deciders();
        if (deciders.isEmpty()) {
            Workflow.upsertTypedSearchAttributes(
                    GatedCallSearchAttributes.STATUS.valueSet(ledger.outcome().wireName()));
        } else {
            Workflow.upsertTypedSearchAttributes(
                    GatedCallSearchAttributes.STATUS.valueSet(ledger.outcome().wireName()),
                    GatedCallSearchAttributes.DECIDED_BY.valueSet(deciders));
        }
        if (!concurrentRecords) {
            GatedCallResult result = ledger.result(ledger.outcome() == Outcome.APPROVED ? forwardOnce() : null);
            records.recordOutcome(call, result);
            settle(result);
            return result;
        }
        // The decisions are in Temporal's history already; their audit rows need not hold the call up. The outcome is
        // recorded after them (chain order), and the notices are settled beside it.
        Promise<Void> decisionsRecorded = Async.procedure(() -> recordNewDecisions(false));
        ForwardResult forwarded = ledger.outcome() == Outcome.APPROVED ? forwardOnce() : null;
        decisionsRecorded.get();
        GatedCallResult result = ledger.result(forwarded);
        Promise<Void> outcomeRecorded = Async.procedure(records::recordOutcome, call, result);
        if (keyedNotices) {
            Promise<Void> settling = startSettlement(result);
            outcomeRecorded.get();
            settling.get();
            return result;
        }
        Promise<Void> settled = Async.procedure(this::settle, result);
        outcomeRecorded.get();
        settled.get();
        return result;
    }

    /**
     * Starts the child workflow that shows the outcome on the notices, and completes once it has started: it is
     * abandoned when this workflow closes, so it keeps retrying a channel that is down without holding the caller.
     */
    private Promise<Void> startSettlement(GatedCallResult result) {
        NoticeSettlementWorkflow settlement = Workflow.newChildWorkflowStub(NoticeSettlementWorkflow.class,
                ChildWorkflowOptions.newBuilder()
                        .setWorkflowId(call.approvalId() + "-notices")
                        .setParentClosePolicy(ParentClosePolicy.PARENT_CLOSE_POLICY_ABANDON)
                        .build());
        Async.procedure(settlement::settle, NoticeSettlement.of(call, result, notifications));
        return Workflow.getWorkflowExecution(settlement).handle((execution, failure) -> {
            if (failure != null) {
                log.warn("approval {}: the approvers' notices will not show the outcome ({}); the outcome is recorded",
                        call.approvalId(), failure.getMessage());
            }
            return null;
        });
    }

    private void settle(GatedCallResult result) {
        try {
            notify.settle(call, result, List.copyOf(notifications));
        } catch (ActivityFailure e) {
            log.warn("approval {}: the approvers' notices were not updated with the outcome ({}); the outcome is recorded",
                    call.approvalId(), reason(e));
        }
    }

    /**
     * One attempt only: once the request has left, the upstream may have acted on it, so a failure is reported
     * to the caller rather than risking a second execution.
     */
    private ForwardResult forwardOnce() {
        ForwardActivities forward = Workflow.newActivityStub(ForwardActivities.class, ActivityOptions.newBuilder()
                .setStartToCloseTimeout(call.forwardTimeout().plus(FORWARD_HEADROOM))
                .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build())
                .build());
        try {
            return forward.forward(call);
        } catch (ActivityFailure e) {
            log.warn("approval {}: forwarding to {} failed: {}", call.approvalId(), call.upstream(), reason(e));
            return ForwardResult.failed("the upstream call did not complete (" + reason(e)
                    + "); it may have run at the upstream, so it was not retried");
        }
    }

    private void notifyGroups(NoticeKind kind, List<String> groups, String step) {
        if (keyedNotices) {
            ApprovalNotice notice = new ApprovalNotice(call, kind, groups, ledger.deadline(), step,
                    ledger.approvalsAmongFirst(ledger.decisionCount()));
            uncancellable(() -> Async.function(announcer::announce, notice).handle((delivered, failure) -> {
                if (failure == null) {
                    notifications.addAll(delivered);
                } else {
                    log.warn("approval {}: the {} notice to {} was not delivered ({})", call.approvalId(), step, groups,
                            failure.getMessage());
                }
                return null;
            }));
            return;
        }
        try {
            ApprovalNotice notice = new ApprovalNotice(call, kind, groups, ledger.deadline());
            uncancellable(() -> notifications.addAll(notify.notify(notice)));
        } catch (ActivityFailure e) {
            log.warn("approval {}: the {} notice to {} was not delivered ({}); waiting on without it",
                    call.approvalId(), kind, groups, reason(e));
        }
    }

    @Override
    public void validateDecide(DecisionRequest decision) {
        ledger.checkMayDecide(decision);
    }

    @Override
    public ApprovalState decide(DecisionRequest decision) {
        ledger.accept(new Decision(decision.decider(), decision.verdict(), decision.reason(), decision.channel(), now()));
        return ledger.state();
    }

    @Override
    public ApprovalState state() {
        return ledger.state();
    }

    private String requesterName() {
        return call.requester().email().isEmpty() ? call.requester().subject() : call.requester().email();
    }

    private static Instant now() {
        return Instant.ofEpochMilli(Workflow.currentTimeMillis());
    }

    /** What went wrong in an activity, in a few words: the activity's own message when it threw one. */
    private static String reason(ActivityFailure e) {
        Throwable cause = e.getCause();
        if (cause instanceof ApplicationFailure failure) {
            return failure.getOriginalMessage();
        }
        if (cause instanceof TimeoutFailure timeout) {
            return timeout.getTimeoutType().name().replace("TIMEOUT_TYPE_", "").toLowerCase(Locale.ROOT).replace('_', '-')
                    + " timeout";
        }
        return cause == null ? e.getMessage() : cause.getMessage();
    }
}
