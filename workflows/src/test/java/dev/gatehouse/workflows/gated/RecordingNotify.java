package dev.gatehouse.workflows.gated;

import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * The approval channels' stand-in at the process boundary: delivers every notice to a "web" inbox
 * entry per group and remembers notices and settlements. Thread-safe (worker threads write, the test reads).
 */
final class RecordingNotify implements NotifyActivities {

    /** One settlement: the outcome shown on the notifications the workflow kept. */
    record Settlement(Outcome outcome, List<Decision> decisions, String detail, java.time.Instant decidedAt,
                      List<Notification> notifications) {

        Settlement(GatedCallResult result, List<Notification> notifications) {
            this(result.outcome(), result.decisions(), result.detail(), result.decidedAt(), notifications);
        }
    }

    /** One decision shown on the notices before the outcome. */
    record Shown(Decision decision, int number, int approvals) {
    }

    final List<ApprovalNotice> notices = new CopyOnWriteArrayList<>();
    private final BlockingQueue<Shown> progress = new LinkedBlockingQueue<>();
    private final BlockingQueue<Settlement> settlements = new LinkedBlockingQueue<>();
    /** Closed by a test that needs the workflow held inside a notify call. */
    final Hold hold = new Hold();
    /** A channel that is down: every delivery fails. */
    volatile boolean broken;
    private final BlockingQueue<ApprovalNotice> unseen = new LinkedBlockingQueue<>();

    @Override
    public List<Notification> announce(ApprovalNotice notice) {
        return notify(notice);
    }

    @Override
    public List<Notification> notify(ApprovalNotice notice) {
        hold.pass();
        notices.add(notice);
        unseen.add(notice);
        if (broken) {
            throw new IllegalStateException("the inbox is down");
        }
        int number = notices.size();
        return notice.groups().stream()
                .map(group -> new Notification("web", group,
                        notice.kind().name().toLowerCase(java.util.Locale.ROOT) + "-" + number))
                .toList();
    }

    @Override
    public void progress(GatedCall call, Decision decision, int number, int approvals) {
        progress.add(new Shown(decision, number, approvals));
    }

    @Override
    public void settleNotices(NoticeSettlement settlement) {
        settlements.add(new Settlement(settlement.outcome(), settlement.decisions(), settlement.detail(),
                settlement.decidedAt(), settlement.notifications()));
    }

    @Override
    public void settle(GatedCall call, GatedCallResult result, List<Notification> notifications) {
        settlements.add(new Settlement(result, notifications));
    }

    /** The next decision shown on the notices; waits for it. */
    Shown nextProgress() throws InterruptedException {
        Shown shown = progress.poll(10, TimeUnit.SECONDS);
        assertNotNull(shown, "no decision shown within 10s");
        return shown;
    }

    /**
     * The settlement of the one call under test; waits for it. The settlement runs in a child workflow that
     * outlives the call's, so it may come after the call's result.
     */
    Settlement settlement() throws InterruptedException {
        Settlement settlement = settlements.poll(10, TimeUnit.SECONDS);
        assertNotNull(settlement, "no settlement within 10s");
        return settlement;
    }

    /** The next notice the workflow sent that the test has not looked at yet; waits for it. */
    ApprovalNotice next() throws InterruptedException {
        ApprovalNotice notice = unseen.poll(10, TimeUnit.SECONDS);
        assertNotNull(notice, "no notice within 10s");
        return notice;
    }
}
