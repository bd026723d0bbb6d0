package dev.gatehouse.activities.approval;

import dev.gatehouse.notifier.Announcement;
import dev.gatehouse.notifier.ApprovalChannel;
import dev.gatehouse.notifier.CallSummary;
import dev.gatehouse.notifier.NotifiedGroup;
import dev.gatehouse.notifier.Settlement;
import dev.gatehouse.workflows.gated.ApprovalNotice;
import dev.gatehouse.workflows.gated.GatedCall;
import dev.gatehouse.workflows.gated.GatedCallResult;
import dev.gatehouse.workflows.gated.Notification;
import dev.gatehouse.workflows.gated.NotifyActivities;
import io.temporal.failure.ApplicationFailure;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Tells approver groups about a call on every channel that reaches them, and later shows them the
 * outcome there. Channels are independent: one that fails is logged and skipped so the others still
 * deliver. Only when every delivery fails does the activity fail, so that Temporal retries it; a
 * notice that reached anyone is never sent again by a retry. Thread-safe.
 */
public final class NotifyActivitiesImpl implements NotifyActivities {

    private static final Logger log = LoggerFactory.getLogger(NotifyActivitiesImpl.class);

    /** The {@code ApplicationFailure} type when no channel delivered (retryable). */
    public static final String NOT_DELIVERED = "NOT_DELIVERED";

    private final Map<String, ApprovalChannel> channels = new LinkedHashMap<>();
    private final ApprovalStore store;

    /**
     * @param channels every channel of the broker, each under a distinct {@link ApprovalChannel#name()}
     * @param store    where a settlement finds the approval's deadline, to show the call as it was announced
     */
    public NotifyActivitiesImpl(List<ApprovalChannel> channels, ApprovalStore store) {
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
    }

    @Override
    public List<Notification> notify(ApprovalNotice notice) {
        CallSummary call = NoticeValues.call(notice.call(), notice.deadline());
        Announcement.Kind kind = NoticeValues.kind(notice.kind());
        List<Notification> delivered = new ArrayList<>();
        List<RuntimeException> failures = new ArrayList<>();
        for (String name : notice.groups()) {
            NotifiedGroup group = NoticeValues.group(notice.call(), name);
            for (ApprovalChannel channel : channels.values()) {
                if (!channel.serves(group)) {
                    continue;
                }
                try {
                    String handle = channel.announce(new Announcement(call, kind, group));
                    delivered.add(new Notification(channel.name(), name, handle));
                } catch (RuntimeException e) {
                    failures.add(e);
                    log.warn("approval {}: channel {} could not tell group {}: {}", call.approvalId(), channel.name(), name,
                            e.toString());
                }
            }
        }
        if (delivered.isEmpty() && !failures.isEmpty()) {
            throw notDelivered("approval " + call.approvalId() + ": no channel could tell " + notice.groups(), failures);
        }
        return delivered;
    }

    @Override
    public void settle(GatedCall call, GatedCallResult result, List<Notification> notifications) {
        if (notifications.isEmpty()) {
            return;
        }
        java.time.Instant deadline = store.find(result.approvalId()).map(ApprovalRecord::deadline).orElse(result.decidedAt());
        Settlement settlement = NoticeValues.settlement(call, result, deadline);
        int settled = 0;
        List<RuntimeException> failures = new ArrayList<>();
        for (Notification notification : notifications) {
            ApprovalChannel channel = channels.get(notification.channel());
            if (channel == null) {
                log.warn("approval {}: channel {} that told group {} is not configured any more; its notice stays as it was",
                        result.approvalId(), notification.channel(), notification.group());
                continue;
            }
            try {
                channel.settle(notification.handle(), settlement);
                settled++;
            } catch (RuntimeException e) {
                failures.add(e);
                log.warn("approval {}: channel {} could not show group {} the outcome: {}", result.approvalId(),
                        notification.channel(), notification.group(), e.toString());
            }
        }
        if (settled == 0 && !failures.isEmpty()) {
            throw notDelivered("approval " + result.approvalId() + ": no channel could show the outcome", failures);
        }
    }

    private static ApplicationFailure notDelivered(String message, List<RuntimeException> failures) {
        ApplicationFailure failure = ApplicationFailure.newFailureWithCause(message + " (" + failures.getFirst().getMessage() + ")",
                NOT_DELIVERED, failures.getFirst());
        failures.stream().skip(1).forEach(failure::addSuppressed);
        return failure;
    }
}
