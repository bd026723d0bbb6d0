package dev.gatehouse.activities.approval;

import dev.gatehouse.notifier.Announcement;
import dev.gatehouse.notifier.ApprovalChannel;
import dev.gatehouse.notifier.CallSummary;
import dev.gatehouse.notifier.DeliveryFailedException;
import dev.gatehouse.notifier.NotifiedGroup;
import dev.gatehouse.notifier.Progress;
import dev.gatehouse.notifier.Settlement;
import dev.gatehouse.workflows.gated.ApprovalNotice;
import dev.gatehouse.workflows.gated.Decision;
import dev.gatehouse.workflows.gated.GatedCall;
import dev.gatehouse.workflows.gated.GatedCallResult;
import dev.gatehouse.workflows.gated.NoticeSettlement;
import dev.gatehouse.workflows.gated.Notification;
import dev.gatehouse.workflows.gated.NotifyActivities;
import io.temporal.failure.ApplicationFailure;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Tells approver groups about a call on every channel that reaches them, shows decisions short of the
 * outcome, and later the outcome, where they were told. Channels are independent: one that fails is
 * logged and the others still deliver. Every delivery is recorded in the {@link NoticeLedger} under its
 * approval, step, channel and target before the activity returns, so when Temporal retries the activity
 * (because some channel failed) only what failed is tried again. Thread-safe.
 */
public final class NotifyActivitiesImpl implements NotifyActivities {

    private static final Logger log = LoggerFactory.getLogger(NotifyActivitiesImpl.class);

    /** The {@code ApplicationFailure} type when a channel did not deliver (retryable). */
    public static final String NOT_DELIVERED = "NOT_DELIVERED";

    private final Map<String, ApprovalChannel> channels = new LinkedHashMap<>();
    private final ApprovalStore store;
    private final NoticeLedger ledger;
    private final SettlementJson settlements = new SettlementJson();

    /**
     * @param channels every channel of the broker, each under a distinct {@link ApprovalChannel#name()}
     * @param store    where a notice finds the approval's deadline, to show the call as it was announced
     * @param ledger   what was delivered already
     */
    public NotifyActivitiesImpl(List<ApprovalChannel> channels, ApprovalStore store, NoticeLedger ledger) {
        for (ApprovalChannel channel : channels) {
            Objects.requireNonNull(channel, "a channel is null");
            if (this.channels.putIfAbsent(channel.name(), channel) != null) {
                throw new IllegalArgumentException("two approval channels are named '" + channel.name() + "'");
            }
        }
        if (this.channels.isEmpty()) {
            throw new IllegalArgumentException("at least one approval channel is needed");
        }
        this.store = Objects.requireNonNull(store, "store");
        this.ledger = Objects.requireNonNull(ledger, "ledger");
    }

    @Override
    public List<Notification> announce(ApprovalNotice notice) {
        if (notice.step().isEmpty()) {
            return notify(notice);
        }
        Failures failures = new Failures();
        List<Notification> delivered = deliver(notice, failures);
        failures.throwIfAny("approval " + notice.call().approvalId() + ": the " + notice.step()
                + " notice did not reach every channel");
        return delivered;
    }

    @Override
    public List<Notification> notify(ApprovalNotice notice) {
        Failures failures = new Failures();
        List<Notification> delivered = deliver(notice, failures);
        if (delivered.isEmpty()) {
            failures.throwIfAny("approval " + notice.call().approvalId() + ": no channel could tell " + notice.groups());
        }
        return delivered;
    }

    /**
     * Tells each group on each channel that serves it, collecting what failed. A keyed notice goes through the
     * ledger: what was delivered before is not delivered again, and nothing new is sent once the call has ended.
     */
    private List<Notification> deliver(ApprovalNotice notice, Failures failures) {
        String approvalId = notice.call().approvalId();
        boolean keyed = !notice.step().isEmpty();
        boolean ended = keyed && ledger.settlement(approvalId).isPresent();
        CallSummary call = NoticeValues.call(notice.call(), notice.deadline());
        Announcement.Kind kind = NoticeValues.kind(notice.kind());
        List<Notification> delivered = new ArrayList<>();
        for (String name : notice.groups()) {
            NotifiedGroup group = NoticeValues.group(notice.call(), name);
            for (ApprovalChannel channel : channels.values()) {
                if (!channel.serves(group)) {
                    continue;
                }
                try {
                    if (!keyed) {
                        delivered.add(new Notification(channel.name(), name, channel.announce(new Announcement(call, kind, group))));
                        continue;
                    }
                    Optional<String> done = ledger.done(approvalId, notice.step(), channel.name(), name);
                    if (done.isEmpty() && ended) {
                        continue; // the call has ended: nobody is asked any more
                    }
                    String handle = done.isPresent() ? done.get() : channel.announce(new Announcement(call, kind, group,
                            notice.approvals(), ledger.handles(approvalId, channel.name())));
                    if (done.isEmpty()) {
                        ledger.record(approvalId, notice.step(), channel.name(), name, handle);
                    }
                    delivered.add(new Notification(channel.name(), name, handle));
                    settleIfEnded(approvalId, channel, handle);
                } catch (RuntimeException e) {
                    failures.add(e);
                    log.warn("approval {}: channel {} could not tell group {} ({}): {}", approvalId, channel.name(), name,
                            keyed ? notice.step() : notice.kind(), e.toString());
                }
            }
        }
        return delivered;
    }

    /**
     * A notice delivered after the call ended (its activity was retrying meanwhile) would show buttons for a call
     * that cannot be decided any more: settle it at once. The settlement is stored before the ledger is read for
     * settling, and this reads it after recording the delivery, so one of the two sees the other.
     */
    private void settleIfEnded(String approvalId, ApprovalChannel channel, String handle) {
        Optional<String> ended = ledger.settlement(approvalId);
        if (ended.isPresent()) {
            settleOne(approvalId, channel, handle, settlements.read(ended.get()));
        }
    }

    @Override
    public void progress(GatedCall call, Decision decision, int number, int approvals) {
        String approvalId = call.approvalId();
        if (ledger.settlement(approvalId).isPresent()) {
            return; // the outcome shows every decision
        }
        Progress progress = new Progress(NoticeValues.call(call, deadlineOf(approvalId, decision.at())),
                NoticeValues.decision(decision), approvals);
        String step = "decision-" + number;
        Failures failures = new Failures();
        for (NoticeLedger.Announced announced : ledger.announcements(approvalId)) {
            ApprovalChannel channel = channels.get(announced.channel());
            if (channel == null || ledger.done(approvalId, step, channel.name(), announced.handle()).isPresent()) {
                continue;
            }
            try {
                channel.progress(announced.handle(), progress);
                ledger.record(approvalId, step, channel.name(), announced.handle(), "");
            } catch (RuntimeException e) {
                failures.add(e);
                log.warn("approval {}: channel {} could not show decision {}: {}", approvalId, channel.name(), number,
                        e.toString());
            }
        }
        failures.throwIfAny("approval " + approvalId + ": decision " + number + " is not shown on every channel");
    }

    @Override
    public void settleNotices(NoticeSettlement outcome) {
        String approvalId = outcome.call().approvalId();
        Settlement settlement = NoticeValues.settlement(outcome, deadlineOf(approvalId, outcome.decidedAt()));
        ledger.storeSettlement(approvalId, settlements.write(settlement));
        Set<NoticeLedger.Announced> announced = new LinkedHashSet<>(ledger.announcements(approvalId));
        for (Notification known : outcome.notifications()) {
            announced.add(new NoticeLedger.Announced(known.channel(), known.group(), known.handle()));
        }
        Failures failures = new Failures();
        Set<String> settledHandles = new LinkedHashSet<>();
        for (NoticeLedger.Announced notice : announced) {
            ApprovalChannel channel = channels.get(notice.channel());
            if (channel == null) {
                log.warn("approval {}: channel {} that told group {} is not configured any more; its notice stays as it was",
                        approvalId, notice.channel(), notice.group());
                continue;
            }
            if (!settledHandles.add(notice.channel() + "\n" + notice.handle())) {
                continue;
            }
            try {
                settleOne(approvalId, channel, notice.handle(), settlement);
            } catch (RuntimeException e) {
                failures.add(e);
                log.warn("approval {}: channel {} could not show group {} the outcome: {}", approvalId, notice.channel(),
                        notice.group(), e.toString());
            }
        }
        for (ApprovalChannel channel : channels.values()) {
            if (ledger.done(approvalId, NoticeLedger.CONCLUDED, channel.name(), "").isPresent()) {
                continue;
            }
            try {
                channel.concluded(settlement);
                ledger.record(approvalId, NoticeLedger.CONCLUDED, channel.name(), "", "");
            } catch (RuntimeException e) {
                failures.add(e);
                log.warn("approval {}: channel {} could not tell the outcome: {}", approvalId, channel.name(), e.toString());
            }
        }
        failures.throwIfAny("approval " + approvalId + ": the outcome is not shown on every channel");
    }

    @Override
    public void settle(GatedCall call, GatedCallResult result, List<Notification> notifications) {
        settleNotices(NoticeSettlement.of(call, result, notifications));
    }

    private void settleOne(String approvalId, ApprovalChannel channel, String handle, Settlement settlement) {
        if (ledger.done(approvalId, NoticeLedger.SETTLE, channel.name(), handle).isPresent()) {
            return;
        }
        channel.settle(handle, settlement);
        ledger.record(approvalId, NoticeLedger.SETTLE, channel.name(), handle, "");
    }

    /** The deadline as announced; {@code fallback} when the approval row is gone (retention). */
    private Instant deadlineOf(String approvalId, Instant fallback) {
        return store.find(approvalId).map(ApprovalRecord::deadline).orElse(fallback);
    }

    /** The failures of one activity attempt: thrown as one retryable failure that waits as long as a service asked. */
    private static final class Failures {

        private final List<RuntimeException> failures = new ArrayList<>();

        void add(RuntimeException failure) {
            failures.add(failure);
        }

        void throwIfAny(String message) {
            if (failures.isEmpty()) {
                return;
            }
            RuntimeException first = failures.getFirst();
            Duration retryAfter = failures.stream()
                    .map(f -> f instanceof DeliveryFailedException d ? d.retryAfter().orElse(null) : null)
                    .filter(Objects::nonNull)
                    .max(Duration::compareTo)
                    .orElse(null);
            ApplicationFailure failure = retryAfter == null
                    ? ApplicationFailure.newFailureWithCause(message + " (" + first.getMessage() + ")", NOT_DELIVERED, first)
                    : ApplicationFailure.newFailureWithCauseAndDelay(message + " (" + first.getMessage() + ")", NOT_DELIVERED,
                    first, retryAfter);
            failures.stream().skip(1).forEach(failure::addSuppressed);
            throw failure;
        }
    }
}
