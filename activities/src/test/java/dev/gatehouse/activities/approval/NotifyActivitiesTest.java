package dev.gatehouse.activities.approval;

import dev.gatehouse.activities.database.Database;
import dev.gatehouse.activities.testing.PostgresExtension;
import dev.gatehouse.notifier.Announcement;
import dev.gatehouse.notifier.ApprovalChannel;
import dev.gatehouse.notifier.DecisionSummary;
import dev.gatehouse.notifier.DeliveryFailedException;
import dev.gatehouse.notifier.LogChannel;
import dev.gatehouse.notifier.NotifiedGroup;
import dev.gatehouse.notifier.Progress;
import dev.gatehouse.notifier.Settlement;
import dev.gatehouse.workflows.gated.ApprovalNotice;
import dev.gatehouse.workflows.gated.Decision;
import dev.gatehouse.workflows.gated.GatedCall;
import dev.gatehouse.workflows.gated.GatedCallResult;
import dev.gatehouse.workflows.gated.NoticeKind;
import dev.gatehouse.workflows.gated.NoticeSettlement;
import dev.gatehouse.workflows.gated.Notification;
import dev.gatehouse.workflows.gated.Outcome;
import dev.gatehouse.workflows.gated.Person;
import dev.gatehouse.workflows.gated.Verdict;
import io.temporal.failure.ApplicationFailure;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@ExtendWith(PostgresExtension.class)
class NotifyActivitiesTest {

    private static final Instant DEADLINE = Instant.now().plus(Duration.ofMinutes(30)).truncatedTo(ChronoUnit.MICROS);

    /** Stands in for Slack: reaches only groups with a Slack channel, and remembers what it was asked. */
    static final class ChatChannel implements ApprovalChannel {
        final List<Announcement> announced = new CopyOnWriteArrayList<>();
        final List<String> settledHandles = new CopyOnWriteArrayList<>();
        final List<Settlement> settlements = new CopyOnWriteArrayList<>();
        final List<Progress> progress = new CopyOnWriteArrayList<>();
        final List<Settlement> concluded = new CopyOnWriteArrayList<>();
        /** How many of the next calls fail, as a service that is down for a while. */
        final AtomicInteger failNext = new AtomicInteger();

        private void maybeFail() {
            if (failNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                throw new DeliveryFailedException(name(), "rate limited", null, Duration.ofSeconds(7));
            }
        }

        @Override
        public void progress(String handle, Progress shown) {
            maybeFail();
            progress.add(shown);
        }

        @Override
        public void concluded(Settlement settlement) {
            maybeFail();
            concluded.add(settlement);
        }

        @Override
        public String name() {
            return "chat";
        }

        @Override
        public boolean serves(NotifiedGroup group) {
            return group.slackChannel() != null;
        }

        @Override
        public String announce(Announcement announcement) {
            maybeFail();
            announced.add(announcement);
            return announcement.group().slackChannel() + ":" + announced.size();
        }

        @Override
        public void settle(String handle, Settlement settlement) {
            maybeFail();
            settledHandles.add(handle);
            settlements.add(settlement);
        }
    }

    /** A channel whose service is down. */
    static final class BrokenChannel implements ApprovalChannel {
        @Override
        public String name() {
            return "broken";
        }

        @Override
        public boolean serves(NotifiedGroup group) {
            return true;
        }

        @Override
        public String announce(Announcement announcement) {
            throw new DeliveryFailedException(name(), "the service answered 503", null);
        }

        @Override
        public void settle(String handle, Settlement settlement) {
            throw new DeliveryFailedException(name(), "the service answered 503", null);
        }
    }

    @Test
    void announcesOnEveryChannelThatServesEachGroupAndSkipsOneThatFails(Database db) {
        ApprovalStore store = new ApprovalStore(db.jdbi());
        ChatChannel chat = new ChatChannel();
        NotifyActivitiesImpl notify = new NotifyActivitiesImpl(
                List.of(new LogChannel(), new BrokenChannel(), new WebInboxChannel(store), chat), store, new NoticeLedger(db.jdbi()));
        GatedCall call = TestCalls.call("apr-1", "agent", "42");
        store.claim(call, DEADLINE, 5);

        List<Notification> delivered = notify.notify(new ApprovalNotice(call, NoticeKind.REQUEST, List.of("dba"), DEADLINE));

        assertThat(delivered).containsExactly(
                new Notification("log", "dba", "apr-1/dba"),
                new Notification("web", "dba", "dba"),
                new Notification("chat", "dba", "C0123456:1"));
        Announcement announced = chat.announced.getFirst();
        assertThat(announced.kind()).isEqualTo(Announcement.Kind.REQUEST);
        assertThat(announced.group()).isEqualTo(new NotifiedGroup("dba", List.of("alice@example.com", "bob@example.com"),
                "C0123456", true));
        assertThat(announced.call().requester()).isEqualTo("agent@example.com");
        assertThat(announced.call().target()).isEqualTo("delete_customer");
        assertThat(announced.call().argsPreview()).doesNotContain(TestCalls.SECRET);
        assertThat(announced.call().policy()).isEqualTo("deleting customers needs a DBA");
        assertThat(announced.call().required()).isEqualTo(1);
        assertThat(announced.call().deadline()).isEqualTo(DEADLINE);
    }

    @Test
    void anEscalationMakesTheApprovalVisibleToTheNewGroupInTheInbox(Database db) {
        ApprovalStore store = new ApprovalStore(db.jdbi());
        ChatChannel chat = new ChatChannel();
        NotifyActivitiesImpl notify = new NotifyActivitiesImpl(List.of(new WebInboxChannel(store), new LogChannel(), chat), store,
                new NoticeLedger(db.jdbi()));
        GatedCall call = TestCalls.call("apr-1", "agent", "42");
        store.claim(call, DEADLINE, 5);
        assertThat(store.list(ApprovalQuery.all().visibleToGroups(List.of("eng-leads")))).isEmpty();

        List<Notification> delivered = notify.notify(new ApprovalNotice(call, NoticeKind.ESCALATION, List.of("eng-leads"), DEADLINE));

        // eng-leads has no Slack channel: only the inbox and the log reach it.
        assertThat(delivered).extracting(Notification::channel).containsExactly("web", "log");
        assertThat(store.list(ApprovalQuery.all().visibleToGroups(List.of("eng-leads")))).extracting(ApprovalRecord::id)
                .containsExactly("apr-1");
        assertThat(store.find("apr-1").orElseThrow().eligibleGroups()).containsExactly("dba", "eng-leads");
    }

    @Test
    void failsSoTemporalRetriesWhenNoChannelDelivered(Database db) {
        ApprovalStore store = new ApprovalStore(db.jdbi());
        NotifyActivitiesImpl notify = new NotifyActivitiesImpl(List.of(new BrokenChannel()), store, new NoticeLedger(db.jdbi()));
        GatedCall call = TestCalls.call("apr-1", "agent", "42");

        assertThatThrownBy(() -> notify.notify(new ApprovalNotice(call, NoticeKind.REQUEST, List.of("dba"), DEADLINE)))
                .isInstanceOfSatisfying(ApplicationFailure.class, f -> {
                    assertThat(f.getType()).isEqualTo(NotifyActivitiesImpl.NOT_DELIVERED);
                    assertThat(f.isNonRetryable()).isFalse();
                    assertThat(f.getOriginalMessage()).contains("apr-1").contains("[dba]").contains("the service answered 503");
                });
    }

    @Test
    void settlesEveryDeliveryWithItsHandle(Database db) {
        ApprovalStore store = new ApprovalStore(db.jdbi());
        ChatChannel chat = new ChatChannel();
        NotifyActivitiesImpl notify = new NotifyActivitiesImpl(
                List.of(new LogChannel(), new BrokenChannel(), new WebInboxChannel(store), chat), store, new NoticeLedger(db.jdbi()));
        GatedCall call = TestCalls.call("apr-1", "agent", "42");
        store.claim(call, DEADLINE, 5);
        Instant decidedAt = Instant.now();
        Decision deny = new Decision(new Person("sub-bob", "bob@example.com"), Verdict.DENY, "not during the freeze", "slack",
                decidedAt);
        GatedCallResult result = new GatedCallResult("apr-1", Outcome.DENIED, List.of(deny),
                "denied by bob@example.com: not during the freeze", null, decidedAt);

        // The broken channel fails the activity, so that Temporal retries it; the others are settled meanwhile.
        assertThatThrownBy(() -> notify.settle(call, result, List.of(
                new Notification("log", "dba", "apr-1/dba"),
                new Notification("broken", "dba", ""),
                new Notification("web", "dba", "dba"),
                new Notification("chat", "dba", "C0123456:1"),
                new Notification("retired-channel", "dba", "x"))))
                .isInstanceOfSatisfying(ApplicationFailure.class, f -> assertThat(f.getOriginalMessage())
                        .isEqualTo("approval apr-1: the outcome is not shown on every channel (channel 'broken': the service"
                                + " answered 503)"));

        assertThat(chat.settledHandles).containsExactly("C0123456:1");
        Settlement settlement = chat.settlements.getFirst();
        assertThat(settlement.outcome()).isEqualTo(Settlement.Outcome.DENIED);
        assertThat(settlement.detail()).isEqualTo("denied by bob@example.com: not during the freeze");
        assertThat(settlement.decisions()).containsExactly(new DecisionSummary("bob@example.com", DecisionSummary.Verdict.DENY,
                "not during the freeze", "slack", decidedAt));
        assertThat(settlement.call().deadline()).isEqualTo(DEADLINE);
    }

    @Test
    void aRetriedNoticeDeliversOnlyWhatFailedAndWaitsAsLongAsTheServiceAsked(Database db) {
        ApprovalStore store = new ApprovalStore(db.jdbi());
        ChatChannel chat = new ChatChannel();
        CountingChannel log = new CountingChannel();
        NotifyActivitiesImpl notify = new NotifyActivitiesImpl(List.of(log, chat), store, new NoticeLedger(db.jdbi()));
        GatedCall call = TestCalls.call("apr-1", "agent", "42");
        store.claim(call, DEADLINE, 5);
        ApprovalNotice request = new ApprovalNotice(call, NoticeKind.REQUEST, List.of("dba"), DEADLINE, "request", 0);
        chat.failNext.set(1);

        assertThatThrownBy(() -> notify.announce(request)).isInstanceOfSatisfying(ApplicationFailure.class, f -> {
            assertThat(f.getType()).isEqualTo(NotifyActivitiesImpl.NOT_DELIVERED);
            assertThat(f.isNonRetryable()).isFalse();
            assertThat(f.getNextRetryDelay()).isEqualTo(Duration.ofSeconds(7));
            assertThat(f.getOriginalMessage()).isEqualTo(
                    "approval apr-1: the request notice did not reach every channel (channel 'chat': rate limited)");
        });
        List<Notification> delivered = notify.announce(request);
        List<Notification> again = notify.announce(request);

        assertThat(log.announced).hasValue(1);
        assertThat(chat.announced).hasSize(1);
        assertThat(delivered).containsExactly(new Notification("counting", "dba", "counted-1"),
                new Notification("chat", "dba", "C0123456:1"));
        assertThat(again).isEqualTo(delivered);
    }

    @Test
    void laterNoticesKnowTheEarlierOnesAndDecisionsAreShownOnEachAnnouncementOnce(Database db) {
        ApprovalStore store = new ApprovalStore(db.jdbi());
        ChatChannel chat = new ChatChannel();
        NotifyActivitiesImpl notify = new NotifyActivitiesImpl(List.of(chat), store, new NoticeLedger(db.jdbi()));
        GatedCall call = TestCalls.call("apr-1", "agent", "42");
        store.claim(call, DEADLINE, 5);
        notify.announce(new ApprovalNotice(call, NoticeKind.REQUEST, List.of("dba"), DEADLINE, "request", 0));
        Decision alice = new Decision(new Person("sub-alice", "alice@example.com"), Verdict.APPROVE, "", "slack", Instant.now());

        notify.progress(call, alice, 1, 1);
        notify.progress(call, alice, 1, 1);
        notify.announce(new ApprovalNotice(call, NoticeKind.REMINDER, List.of("dba"), DEADLINE, "reminder-1", 1));

        assertThat(chat.progress).hasSize(1);
        assertThat(chat.progress.getFirst().decision().decider()).isEqualTo("alice@example.com");
        assertThat(chat.progress.getFirst().approvals()).isEqualTo(1);
        Announcement reminder = chat.announced.get(1);
        assertThat(reminder.kind()).isEqualTo(Announcement.Kind.REMINDER);
        assertThat(reminder.approvals()).isEqualTo(1);
        assertThat(reminder.earlier()).containsExactly("C0123456:1");
    }

    @Test
    void settlesEveryAnnouncementInTheLedgerOnceAndConcludesOncePerChannel(Database db) {
        ApprovalStore store = new ApprovalStore(db.jdbi());
        ChatChannel chat = new ChatChannel();
        NotifyActivitiesImpl notify = new NotifyActivitiesImpl(List.of(chat), store, new NoticeLedger(db.jdbi()));
        GatedCall call = TestCalls.call("apr-1", "agent", "42");
        store.claim(call, DEADLINE, 5);
        notify.announce(new ApprovalNotice(call, NoticeKind.REQUEST, List.of("dba"), DEADLINE, "request", 0));
        NoticeSettlement expired = new NoticeSettlement(call, Outcome.EXPIRED, List.of(), "no decision within 30m", DEADLINE,
                List.of());
        chat.failNext.set(1);

        // The workflow knew of no notice (it ended while the request was being delivered): the ledger knows.
        assertThatThrownBy(() -> notify.settleNotices(expired)).isInstanceOf(ApplicationFailure.class);
        notify.settleNotices(expired);
        notify.settleNotices(expired);

        assertThat(chat.settledHandles).containsExactly("C0123456:1");
        assertThat(chat.concluded).hasSize(1);
        assertThat(chat.concluded.getFirst().outcome()).isEqualTo(Settlement.Outcome.EXPIRED);
    }

    @Test
    void aNoticeDeliveredAfterTheOutcomeIsSettledAtOnceAndNoNewOneIsSent(Database db) {
        ApprovalStore store = new ApprovalStore(db.jdbi());
        ChatChannel chat = new ChatChannel();
        NoticeLedger ledger = new NoticeLedger(db.jdbi());
        NotifyActivitiesImpl notify = new NotifyActivitiesImpl(List.of(chat), store, ledger);
        GatedCall call = TestCalls.call("apr-1", "agent", "42");
        store.claim(call, DEADLINE, 5);
        // The request's activity posted, then failed before it could record: the settlement runs meanwhile.
        ledger.record("apr-1", "request", "chat", "dba", "C0123456:9");
        notify.settleNotices(new NoticeSettlement(call, Outcome.CANCELLED, List.of(), "cancelled by the caller", Instant.now(),
                List.of()));
        chat.settledHandles.clear();

        List<Notification> retried = notify.announce(new ApprovalNotice(call, NoticeKind.REQUEST, List.of("dba"), DEADLINE,
                "request", 0));
        List<Notification> reminder = notify.announce(new ApprovalNotice(call, NoticeKind.REMINDER, List.of("dba"), DEADLINE,
                "reminder-1", 0));

        assertThat(retried).containsExactly(new Notification("chat", "dba", "C0123456:9"));
        assertThat(reminder).isEmpty();
        assertThat(chat.announced).isEmpty();
        assertThat(chat.settledHandles).isEmpty(); // settled once already, by the settlement
    }

    /** Reaches every group and counts its announcements. */
    static final class CountingChannel implements ApprovalChannel {
        final AtomicInteger announced = new AtomicInteger();

        @Override
        public String name() {
            return "counting";
        }

        @Override
        public boolean serves(NotifiedGroup group) {
            return true;
        }

        @Override
        public String announce(Announcement announcement) {
            return "counted-" + announced.incrementAndGet();
        }

        @Override
        public void settle(String handle, Settlement settlement) {
        }
    }

    @Test
    void refusesChannelsSharingAName(Database db) {
        ApprovalStore store = new ApprovalStore(db.jdbi());
        assertThatThrownBy(() -> new NotifyActivitiesImpl(List.of(new LogChannel(), new LogChannel()), store, new NoticeLedger(db.jdbi())))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("two approval channels are named 'log'");
        assertThatThrownBy(() -> new NotifyActivitiesImpl(List.of(), store, new NoticeLedger(db.jdbi())))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("at least one approval channel is needed");
    }
}
