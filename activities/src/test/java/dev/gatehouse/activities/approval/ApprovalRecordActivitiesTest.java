package dev.gatehouse.activities.approval;

import dev.gatehouse.activities.audit.AuditEvent;
import dev.gatehouse.activities.audit.AuditQueries;
import dev.gatehouse.activities.audit.AuditWriter;
import dev.gatehouse.activities.audit.ChainCheck;
import dev.gatehouse.activities.audit.ChainVerifier;
import dev.gatehouse.activities.audit.Direction;
import dev.gatehouse.activities.audit.EventKind;
import dev.gatehouse.activities.audit.RecordingSession;
import dev.gatehouse.activities.audit.StorableJson;
import dev.gatehouse.activities.audit.StoredEvent;
import dev.gatehouse.activities.audit.WriterSettings;
import dev.gatehouse.activities.database.Database;
import dev.gatehouse.activities.testing.PostgresExtension;
import dev.gatehouse.workflows.gated.Decision;
import dev.gatehouse.workflows.gated.ForwardResult;
import dev.gatehouse.workflows.gated.GatedCall;
import dev.gatehouse.workflows.gated.GatedCallResult;
import dev.gatehouse.workflows.gated.Outcome;
import dev.gatehouse.workflows.gated.Person;
import dev.gatehouse.workflows.gated.Verdict;
import io.temporal.failure.ApplicationFailure;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@ExtendWith(PostgresExtension.class)
class ApprovalRecordActivitiesTest {

    private static final Instant DEADLINE = Instant.now().plus(Duration.ofMinutes(30)).truncatedTo(ChronoUnit.MICROS);

    private final List<AuditWriter> writers = new ArrayList<>();

    @AfterEach
    void closeWriters() {
        writers.forEach(AuditWriter::close);
    }

    private AuditWriter writer(Database db) {
        AuditWriter writer = new AuditWriter(db.writerJdbi(), WriterSettings.defaults());
        writers.add(writer);
        return writer;
    }

    /** What the broker records before it gates a call: the session and the caller's request. */
    private static void brokerRecordedTheRequest(AuditWriter writer, GatedCall call) throws Exception {
        RecordingSession session = new RecordingSession(call.recordingSessionId(), "crm", "https://idp.example.com", "agent",
                "agent@example.com", List.of("agents"), "test-client", "1.0", "2025-11-25", Instant.now());
        writer.append(session, new AuditEvent(session.id(), Instant.now(), Direction.CLIENT, EventKind.MESSAGE, "tools/call",
                call.jsonRpcId(), call.target(), null, StorableJson.of("{\"masked\":true}"), 100, Map.of(), false),
                AuditWriter.Durability.FAIL_CLOSED).get(30, TimeUnit.SECONDS);
    }

    private static List<StoredEvent> approvalEvents(Database db, String sessionId) {
        List<StoredEvent> events = new ArrayList<>();
        new AuditQueries(db.jdbi()).streamEvents(sessionId, e -> {
            if (e.kind().equals("approval")) {
                events.add(e);
            }
        });
        return events;
    }

    private static Decision approve(String email, Instant at) {
        return new Decision(new Person("sub-" + email, email), Verdict.APPROVE, "looks right", "web", at);
    }

    @Test
    void recordsEachStepOnceHoweverOftenItIsRetried(Database db) throws Exception {
        AuditWriter writer = writer(db);
        ApprovalStore store = new ApprovalStore(db.jdbi());
        ApprovalRecordActivitiesImpl activities = new ApprovalRecordActivitiesImpl(store, writer);
        GatedCall call = TestCalls.call("apr-1", "agent", "42");
        brokerRecordedTheRequest(writer, call);
        store.claim(call, DEADLINE, 5);
        Instant decidedAt = Instant.now().truncatedTo(ChronoUnit.MICROS);
        Decision decision = approve("bob@example.com", decidedAt);
        GatedCallResult result = new GatedCallResult("apr-1", Outcome.APPROVED, List.of(decision), "approved by bob@example.com",
                ForwardResult.answered("{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"deleted\"}]}}"),
                decidedAt);

        for (int attempt = 0; attempt < 3; attempt++) {
            activities.recordPending(call, DEADLINE);
            activities.recordDecision("apr-1", decision);
            activities.recordOutcome(call, result);
        }

        List<StoredEvent> steps = approvalEvents(db, call.recordingSessionId());
        assertThat(steps).extracting(e -> StorableJson.parse(e.payload()).path("step").textValue())
                .containsExactly("pending", "decision", "outcome");
        assertThat(steps).allSatisfy(e -> {
            assertThat(e.direction()).isEqualTo("broker");
            assertThat(e.method()).isEqualTo("tools/call");
            assertThat(e.jsonrpcId()).isEqualTo("7");
            assertThat(e.target()).isEqualTo("delete_customer");
        });
        assertThat(steps.get(2).outcome()).isEqualTo("approved");
        assertThat(StorableJson.parse(steps.get(2).payload()).path("forwarded").path("response").path("result")
                .path("content").get(0).path("text").textValue()).isEqualTo("deleted");
        assertThat(new ChainVerifier(db.jdbi()).verify(call.recordingSessionId())).isEqualTo(new ChainCheck.Intact(1, 4));

        ApprovalRecord stored = store.find("apr-1").orElseThrow();
        assertThat(stored.status()).isEqualTo(ApprovalRecord.APPROVED);
        assertThat(stored.decidedAt()).isEqualTo(decidedAt);
        assertThat(stored.outcomeReason()).isEqualTo("approved by bob@example.com");
        assertThat(stored.decidedBy()).containsExactly("bob@example.com");
        assertThat(stored.decisions()).containsExactly(new RecordedDecision("bob@example.com", "web", decidedAt, "approve", "looks right"));
        assertThat(stored.recordingSessionId()).isEqualTo(call.recordingSessionId());
    }

    @Test
    void recordsOnlyTheMaskedPreviewNeverTheRequestInClear(Database db) throws Exception {
        AuditWriter writer = writer(db);
        ApprovalStore store = new ApprovalStore(db.jdbi());
        GatedCall call = TestCalls.call("apr-1", "agent", "42");
        brokerRecordedTheRequest(writer, call);

        new ApprovalRecordActivitiesImpl(store, writer).recordPending(call, DEADLINE);

        StoredEvent pending = approvalEvents(db, call.recordingSessionId()).getFirst();
        assertThat(pending.payload()).doesNotContain(TestCalls.SECRET).contains("[card]");
        var payload = StorableJson.parse(pending.payload());
        assertThat(payload.path("approvalId").textValue()).isEqualTo("apr-1");
        assertThat(payload.path("policy").textValue()).isEqualTo("deleting customers needs a DBA");
        assertThat(payload.path("policyVersion").textValue()).isEqualTo("v1");
        assertThat(payload.path("approvers").get(0).textValue()).isEqualTo("dba");
        assertThat(payload.path("required").intValue()).isEqualTo(1);
        assertThat(payload.path("deadline").textValue()).isEqualTo(DEADLINE.toString());
        assertThat(payload.path("argsPreview").path("customer").textValue()).isEqualTo("42");
        assertThat(pending.outcome()).isNull();
        // The broker did not claim it here (a workflow started by a retry elsewhere): recordPending inserts the row.
        ApprovalRecord stored = store.find("apr-1").orElseThrow();
        assertThat(stored.isPending()).isTrue();
        assertThat(stored.recordingSessionId()).isEqualTo(call.recordingSessionId());
    }

    @Test
    void thePendingApprovalTakesTheWorkflowsDeadline(Database db) throws Exception {
        AuditWriter writer = writer(db);
        ApprovalStore store = new ApprovalStore(db.jdbi());
        GatedCall call = TestCalls.call("apr-1", "agent", "42");
        brokerRecordedTheRequest(writer, call);
        store.claim(call, DEADLINE, 5);

        new ApprovalRecordActivitiesImpl(store, writer).recordPending(call, DEADLINE.plusSeconds(2));

        assertThat(store.find("apr-1").orElseThrow().deadline()).isEqualTo(DEADLINE.plusSeconds(2));
    }

    @Test
    void aStepForASessionNotYetRecordedStartsItsChain(Database db) {
        AuditWriter writer = writer(db);
        ApprovalStore store = new ApprovalStore(db.jdbi());
        GatedCall call = TestCalls.call("apr-1", "agent", "42", "x-sessionless", "1");
        store.claim(call, DEADLINE, 5);
        assertThat(store.find("apr-1").orElseThrow().recordingSessionId()).isNull();

        new ApprovalRecordActivitiesImpl(store, writer).recordPending(call, DEADLINE);

        assertThat(store.find("apr-1").orElseThrow().recordingSessionId()).isEqualTo("x-sessionless");
        assertThat(new AuditQueries(db.jdbi()).session("x-sessionless").orElseThrow().callerSubject()).isEqualTo("agent");
        assertThat(new ChainVerifier(db.jdbi()).verify("x-sessionless")).isEqualTo(new ChainCheck.Intact(1, 1));
    }

    @Test
    void decisionsOfDifferentApproversAreEachRecordedAndTheOutcomeNamesTheDeciders(Database db) throws Exception {
        AuditWriter writer = writer(db);
        ApprovalStore store = new ApprovalStore(db.jdbi());
        ApprovalRecordActivitiesImpl activities = new ApprovalRecordActivitiesImpl(store, writer);
        GatedCall call = TestCalls.call("apr-1", "agent", "42");
        brokerRecordedTheRequest(writer, call);
        activities.recordPending(call, DEADLINE);
        Instant t0 = Instant.now().truncatedTo(ChronoUnit.MICROS);
        Decision alice = approve("alice@example.com", t0);
        Decision bob = new Decision(new Person("sub-bob", "bob@example.com"), Verdict.DENY, "not during the freeze", "slack",
                t0.plusSeconds(1));

        activities.recordDecision("apr-1", alice);
        activities.recordDecision("apr-1", bob);
        activities.recordDecision("apr-1", alice);
        activities.recordOutcome(call, new GatedCallResult("apr-1", Outcome.DENIED, List.of(alice, bob),
                "denied by bob@example.com: not during the freeze", null, t0.plusSeconds(1)));

        assertThat(approvalEvents(db, call.recordingSessionId()))
                .extracting(e -> StorableJson.parse(e.payload()).path("step").textValue() + ":"
                        + StorableJson.parse(e.payload()).path("decider").asText(""))
                .containsExactly("pending:", "decision:alice@example.com", "decision:bob@example.com", "outcome:");
        ApprovalRecord stored = store.find("apr-1").orElseThrow();
        assertThat(stored.status()).isEqualTo(ApprovalRecord.DENIED);
        assertThat(stored.decidedBy()).containsExactly("bob@example.com");
        assertThat(stored.decisions()).extracting(RecordedDecision::approver).containsExactly("alice@example.com", "bob@example.com");
        assertThat(new ChainVerifier(db.jdbi()).verify(call.recordingSessionId()).intact()).isTrue();
    }

    @Test
    void aDecisionOnAnUnknownApprovalFailsWithoutRetry(Database db) {
        ApprovalRecordActivitiesImpl activities = new ApprovalRecordActivitiesImpl(new ApprovalStore(db.jdbi()), writer(db));

        assertThatThrownBy(() -> activities.recordDecision("apr-missing", approve("bob@example.com", Instant.now())))
                .isInstanceOfSatisfying(ApplicationFailure.class, f -> {
                    assertThat(f.getType()).isEqualTo(ApprovalRecordActivitiesImpl.UNKNOWN_APPROVAL);
                    assertThat(f.isNonRetryable()).isTrue();
                    assertThat(f.getOriginalMessage()).contains("apr-missing");
                });
    }
}
