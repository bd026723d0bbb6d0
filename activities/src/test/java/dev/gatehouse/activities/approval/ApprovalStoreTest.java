package dev.gatehouse.activities.approval;

import dev.gatehouse.activities.database.Database;
import dev.gatehouse.activities.testing.PostgresExtension;
import dev.gatehouse.workflows.gated.GatedCall;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@ExtendWith(PostgresExtension.class)
class ApprovalStoreTest {

    private static final Instant DEADLINE = Instant.now().plus(Duration.ofMinutes(30)).truncatedTo(ChronoUnit.MICROS);

    @Test
    void claimsANewCallAsPendingWithItsFirstApproversEligible(Database db) {
        ApprovalStore store = new ApprovalStore(db.jdbi());
        GatedCall call = TestCalls.call("apr-1", "agent", "42");

        assertThat(store.claim(call, DEADLINE, 5)).isEqualTo(new Claim.Claimed("apr-1"));

        ApprovalRecord stored = store.find("apr-1").orElseThrow();
        assertThat(stored.status()).isEqualTo(ApprovalRecord.PENDING);
        assertThat(stored.callKey()).isEqualTo(call.callKey());
        assertThat(stored.requester()).isEqualTo("agent");
        assertThat(stored.requesterEmail()).isEqualTo("agent@example.com");
        assertThat(stored.target()).isEqualTo("delete_customer");
        assertThat(stored.method()).isEqualTo("tools/call");
        assertThat(stored.jsonRpcId()).isEqualTo("7");
        assertThat(stored.mcpSessionId()).isEqualTo(TestCalls.SESSION);
        assertThat(stored.eligibleGroups()).containsExactly("dba");
        assertThat(stored.required()).isEqualTo(1);
        assertThat(stored.deadline()).isEqualTo(DEADLINE);
        assertThat(stored.decidedAt()).isNull();
        assertThat(stored.argsPreview()).contains("[card]").doesNotContain(TestCalls.SECRET);
        // The recording session is not recorded in this database: the row waits for recordPending to link it.
        assertThat(stored.recordingSessionId()).isNull();
    }

    @Test
    void aRetryOfAWaitingCallAttachesToItsApproval(Database db) {
        ApprovalStore store = new ApprovalStore(db.jdbi());
        store.claim(TestCalls.call("apr-1", "agent", "42"), DEADLINE, 5);

        assertThat(store.claim(TestCalls.call("apr-2", "agent", "42"), DEADLINE, 5)).isEqualTo(new Claim.Attached("apr-1"));
        assertThat(store.find("apr-2")).isEmpty();
    }

    @Test
    void refusesACallerWithTooManyApprovalsWaiting(Database db) {
        ApprovalStore store = new ApprovalStore(db.jdbi());
        store.claim(TestCalls.call("apr-1", "agent", "1"), DEADLINE, 2);
        store.claim(TestCalls.call("apr-2", "agent", "2"), DEADLINE, 2);

        assertThat(store.claim(TestCalls.call("apr-3", "agent", "3"), DEADLINE, 2)).isEqualTo(new Claim.TooManyPending(2, 2));
        // A retry of a waiting call is not a new approval, so the cap does not refuse it; another caller is not held back.
        assertThat(store.claim(TestCalls.call("apr-4", "agent", "1"), DEADLINE, 2)).isEqualTo(new Claim.Attached("apr-1"));
        assertThat(store.claim(TestCalls.call("apr-5", "other", "3"), DEADLINE, 2)).isEqualTo(new Claim.Claimed("apr-5"));
    }

    @Test
    void aNamesakeAtAnotherIssuerIsAnotherRequester(Database db) {
        ApprovalStore store = new ApprovalStore(db.jdbi());
        String otherIssuer = "https://other-idp.example.com";
        store.claim(TestCalls.call("apr-1", "agent", "1"), DEADLINE, 1);

        // Their own cap, not the namesake's.
        assertThat(store.claim(TestCalls.call("apr-2", otherIssuer, "agent", "2"), DEADLINE, 1)).isEqualTo(new Claim.Claimed("apr-2"));
        ApprovalRecord first = store.find("apr-1").orElseThrow();
        assertThat(first.requesterIssuer()).isEqualTo(TestCalls.ISSUER);
        assertThat(first.requestedBy(TestCalls.ISSUER, "agent")).isTrue();
        assertThat(first.requestedBy(otherIssuer, "agent")).as("the same subject at another issuer").isFalse();
        assertThat(store.find("apr-2").orElseThrow().requestedBy(otherIssuer, "agent")).isTrue();
    }

    @Test
    void decidedApprovalsDoNotCountAgainstTheCap(Database db) {
        ApprovalStore store = new ApprovalStore(db.jdbi());
        store.claim(TestCalls.call("apr-1", "agent", "1"), DEADLINE, 1);
        store.recordOutcome("apr-1", ApprovalRecord.DENIED, Instant.now(), "denied by bob", List.of("bob@example.com"));

        assertThat(store.claim(TestCalls.call("apr-2", "agent", "2"), DEADLINE, 1)).isEqualTo(new Claim.Claimed("apr-2"));
    }

    @Test
    void concurrentClaimsOfOneCallYieldOneApproval(Database db) throws Exception {
        ApprovalStore store = new ApprovalStore(db.jdbi());
        List<Claim> claims = concurrently(16, i -> store.claim(TestCalls.call("apr-" + i, "agent", "42"), DEADLINE, 5));

        List<Claim> claimed = claims.stream().filter(c -> c instanceof Claim.Claimed).toList();
        assertThat(claimed).hasSize(1);
        String winner = ((Claim.Claimed) claimed.getFirst()).approvalId();
        assertThat(claims).filteredOn(c -> c instanceof Claim.Attached).hasSize(15)
                .allSatisfy(c -> assertThat(((Claim.Attached) c).approvalId()).isEqualTo(winner));
        assertThat(store.list(ApprovalQuery.all())).hasSize(1);
    }

    @Test
    void concurrentDistinctCallsOfOneCallerStayWithinTheCap(Database db) throws Exception {
        ApprovalStore store = new ApprovalStore(db.jdbi());
        List<Claim> claims = concurrently(16, i -> store.claim(TestCalls.call("apr-" + i, "agent", "c" + i), DEADLINE, 5));

        assertThat(claims).filteredOn(c -> c instanceof Claim.Claimed).hasSize(5);
        assertThat(claims).filteredOn(c -> c instanceof Claim.TooManyPending).hasSize(11);
        assertThat(store.list(ApprovalQuery.all().withStatus(ApprovalRecord.PENDING))).hasSize(5);
    }

    @Test
    void anIdenticalCallWithinTheReplayWindowFindsTheRecordedOutcome(Database db) {
        ApprovalStore store = new ApprovalStore(db.jdbi());
        GatedCall call = TestCalls.call("apr-1", "agent", "42");
        store.claim(call, DEADLINE, 5);
        assertThat(store.recentlyCompleted(call.callKey(), Duration.ofMinutes(10))).isEmpty();

        store.recordOutcome("apr-1", ApprovalRecord.APPROVED, Instant.now().minus(Duration.ofMinutes(5)), "approved by bob",
                List.of("bob@example.com"));

        assertThat(store.recentlyCompleted(call.callKey(), Duration.ofMinutes(10))).map(ApprovalRecord::id).contains("apr-1");
        assertThat(store.recentlyCompleted(call.callKey(), Duration.ofMinutes(1))).isEmpty();
        assertThat(store.recentlyCompleted("another key", Duration.ofMinutes(10))).isEmpty();
        // After completion the same call needs a new approval.
        assertThat(store.claim(TestCalls.call("apr-2", "agent", "42"), DEADLINE, 5)).isEqualTo(new Claim.Claimed("apr-2"));
    }

    @Test
    void outcomesAreWrittenOnceWhilePending(Database db) {
        ApprovalStore store = new ApprovalStore(db.jdbi());
        store.claim(TestCalls.call("apr-1", "agent", "42"), DEADLINE, 5);
        Instant decided = Instant.now().truncatedTo(ChronoUnit.MICROS);

        assertThat(store.recordOutcome("apr-1", ApprovalRecord.EXPIRED, decided, "no decision within 30m", List.of())).isTrue();
        assertThat(store.recordOutcome("apr-1", ApprovalRecord.APPROVED, decided.plusSeconds(1), "late", List.of("x"))).isFalse();

        ApprovalRecord stored = store.find("apr-1").orElseThrow();
        assertThat(stored.status()).isEqualTo(ApprovalRecord.EXPIRED);
        assertThat(stored.decidedAt()).isEqualTo(decided);
        assertThat(stored.outcomeReason()).isEqualTo("no decision within 30m");
    }

    @Test
    void abandonsEveryPendingApprovalSayingWhy(Database db) {
        ApprovalStore store = new ApprovalStore(db.jdbi());
        store.claim(TestCalls.call("apr-1", "agent", "1"), DEADLINE, 5);
        store.claim(TestCalls.call("apr-2", "agent", "2"), DEADLINE, 5);
        store.claim(TestCalls.call("apr-3", "agent", "3"), DEADLINE, 5);
        store.recordOutcome("apr-3", ApprovalRecord.APPROVED, Instant.now(), "approved", List.of("bob@example.com"));

        assertThat(store.abandonPending("the dev-mode workflow engine restarted")).isEqualTo(2);

        ApprovalRecord abandoned = store.find("apr-1").orElseThrow();
        assertThat(abandoned.status()).isEqualTo(ApprovalRecord.ABANDONED);
        assertThat(abandoned.outcomeReason()).isEqualTo("the dev-mode workflow engine restarted");
        assertThat(store.find("apr-3").orElseThrow().status()).isEqualTo(ApprovalRecord.APPROVED);
        // An abandoned call never ran: it is asked again, not replayed, and no longer counts against the cap.
        assertThat(store.recentlyCompleted(TestCalls.call("x", "agent", "1").callKey(), Duration.ofMinutes(10))).isEmpty();
        assertThat(store.claim(TestCalls.call("apr-4", "agent", "1"), DEADLINE, 1)).isEqualTo(new Claim.Claimed("apr-4"));
        assertThat(store.abandonPending("again")).isEqualTo(1);
    }

    @Test
    void findsThePendingApprovalACancellationNames(Database db) {
        ApprovalStore store = new ApprovalStore(db.jdbi());
        store.claim(TestCalls.call("apr-1", "agent", "1", "s-1", "7"), DEADLINE, 5);
        store.claim(TestCalls.call("apr-2", "agent", "2", "s-1", "\"a\""), DEADLINE, 5);

        assertThat(store.pendingFor("s-1", "7")).contains("apr-1");
        assertThat(store.pendingFor("s-1", "\"a\"")).contains("apr-2");
        assertThat(store.pendingFor("s-2", "7")).isEmpty();
        store.recordOutcome("apr-1", ApprovalRecord.CANCELLED, Instant.now(), "cancelled by the caller", List.of());
        assertThat(store.pendingFor("s-1", "7")).isEmpty();
    }

    @Test
    void listsByStatusRequesterAndTheViewersGroupsNewestFirst(Database db) {
        ApprovalStore store = new ApprovalStore(db.jdbi());
        store.claim(TestCalls.call("apr-1", "agent", "1"), DEADLINE, 5);
        store.claim(TestCalls.call("apr-2", "agent", "2"), DEADLINE, 5);
        store.claim(TestCalls.call("apr-3", "other", "3"), DEADLINE, 5);
        store.recordOutcome("apr-2", ApprovalRecord.DENIED, Instant.now(), "denied", List.of("bob@example.com"));
        assertThat(store.addEligibleGroups("apr-3", List.of("eng-leads", "dba"))).isTrue();
        assertThat(store.addEligibleGroups("apr-3", List.of("eng-leads"))).isFalse();
        assertThat(store.addEligibleGroups("apr-2", List.of("eng-leads"))).isFalse();

        assertThat(store.list(ApprovalQuery.all())).extracting(ApprovalRecord::id).containsExactly("apr-3", "apr-2", "apr-1");
        assertThat(store.list(ApprovalQuery.all().withStatus("pending"))).extracting(ApprovalRecord::id)
                .containsExactly("apr-3", "apr-1");
        assertThat(store.list(ApprovalQuery.all().withRequester("agent"))).extracting(ApprovalRecord::id)
                .containsExactly("apr-2", "apr-1");
        assertThat(store.list(ApprovalQuery.all().visibleToGroups(List.of("eng-leads", "security")))).extracting(ApprovalRecord::id)
                .containsExactly("apr-3");
        assertThat(store.find("apr-3").orElseThrow().eligibleGroups()).containsExactly("dba", "eng-leads");
        // A viewer in no group sees nothing, never everything.
        assertThat(store.list(ApprovalQuery.all().visibleToGroups(List.of()))).isEmpty();
        assertThat(store.list(ApprovalQuery.all().withLimit(1))).hasSize(1);
    }

    @Test
    void findsDecisionsInTheOrderTheyWereMade(Database db) {
        ApprovalStore store = new ApprovalStore(db.jdbi());
        store.claim(TestCalls.call("apr-1", "agent", "1"), DEADLINE, 5);
        Instant t0 = Instant.now().truncatedTo(ChronoUnit.MICROS);
        store.recordDecision("apr-1", new RecordedDecision("zoe@example.com", "web", t0, "approve", "fine"));
        store.recordDecision("apr-1", new RecordedDecision("adam@example.com", "slack", t0.plusSeconds(1), "deny", "freeze"));
        store.recordDecision("apr-1", new RecordedDecision("zoe@example.com", "web", t0.plusSeconds(2), "deny", "changed my mind"));

        ApprovalRecord stored = store.find("apr-1").orElseThrow();
        assertThat(stored.decisions()).containsExactly(
                new RecordedDecision("zoe@example.com", "web", t0, "approve", "fine"),
                new RecordedDecision("adam@example.com", "slack", t0.plusSeconds(1), "deny", "freeze"));
        assertThat(stored.decidedBy()).containsExactly("zoe@example.com", "adam@example.com");
    }

    @Test
    void queriesValidateTheirParts() {
        assertThatThrownBy(() -> ApprovalQuery.all().withStatus("waiting"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not 'waiting'");
        assertThatThrownBy(() -> ApprovalQuery.all().withLimit(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("limit must be between 1 and 500, not 0");
        assertThatThrownBy(() -> new Claim.TooManyPending(1, 2)).isInstanceOf(IllegalArgumentException.class);
    }

    interface Indexed<T> {
        T call(int i) throws Exception;
    }

    /** Runs {@code n} tasks that start together, and returns their results in task order. */
    static <T> List<T> concurrently(int n, Indexed<T> task) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<T>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int index = i;
                futures.add(pool.submit(() -> {
                    start.await();
                    return task.call(index);
                }));
            }
            start.countDown();
            List<T> results = new ArrayList<>();
            for (Future<T> future : futures) {
                results.add(future.get(60, TimeUnit.SECONDS));
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }
}
