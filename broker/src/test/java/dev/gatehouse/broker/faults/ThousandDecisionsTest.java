package dev.gatehouse.broker.faults;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.broker.testing.CountingUpstream;
import dev.gatehouse.broker.testing.GatehouseApi;
import dev.gatehouse.broker.testing.HeldCall;
import dev.gatehouse.broker.testing.Poll;
import dev.gatehouse.broker.testing.TestStack;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A thousand decisions on one held call at once, over real HTTP: the five eligible approvers, each many
 * times over, the requester, an auditor (who may see but not decide) and two hundred strangers. Three
 * approvals are required, and exactly three are taken: each approver's first at most, the call is
 * approved once and run once, every other attempt is told why not (403, 404 or 409, or 503 naming the
 * approval if the workflow was too slow to take it), the decisions recorded in PostgreSQL are exactly
 * those taken, and a new gated call is held and approved as usual afterwards.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class ThousandDecisionsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static final int REQUIRED = 3;
    private static final List<String> APPROVERS = List.of("dba-0", "dba-1", "dba-2", "dba-3", "dba-4");
    private static final int ATTEMPTS_PER_APPROVER = 120;
    private static final int REQUESTER_ATTEMPTS = 100;
    private static final int AUDITOR_ATTEMPTS = 100;
    private static final int STRANGERS = 200;

    private CountingUpstream upstream;
    private TestStack stack;
    private GatehouseApi api;
    // Decisions under load may wait up to the broker's 20 s for the workflow; the client waits longer than that.
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(30)).build();

    @BeforeAll
    void start() {
        upstream = CountingUpstream.start();
        stack = TestStack.start("""
                upstreams:
                  - name: crm
                    url: %s
                approvers:
                  dba: { members: [%s] }
                roles: { auditors: [security] }
                policies:
                  - name: purges need three DBAs
                    upstream: crm
                    tools: ["purge_*"]
                    action: approve
                    approval: { approvers: [dba], required: %d, timeout: 10m }
                  - name: the rest flows
                    action: allow
                """.formatted(upstream.url(), APPROVERS.stream().map(a -> a + "@example.com").collect(Collectors.joining(", ")),
                REQUIRED));
        api = GatehouseApi.of(stack, "security");
    }

    @AfterAll
    void stop() {
        stack.close();
        upstream.close();
    }

    /** Who tried, in which role, and what they were answered. */
    private record Attempt(String who, Role role, int status, String body) {
    }

    private enum Role { APPROVER, REQUESTER, AUDITOR, STRANGER }

    @Test
    void thousandConcurrentDecisionsTakeExactlyTheRequiredApprovalsOnce() throws Exception {
        HeldCall held = HeldCall.start(stack, api, "agent-purge", "crm", "purge_record", "{\"id\":\"p-1\"}", PATIENCE);

        List<Attempt> attempts = decideAtOnce(held.approvalId(), everyone());

        assertThat(attempts).hasSize(1_000);
        Map<Integer, Long> byStatus = attempts.stream().collect(Collectors.groupingBy(Attempt::status, Collectors.counting()));
        assertThat(byStatus.keySet()).as("statuses %s, e.g. %s", byStatus, attempts.stream().filter(a -> a.status() == 0).findFirst())
                .isSubsetOf(200, 403, 404, 409, 503);
        List<Attempt> taken = attempts.stream().filter(a -> a.status() == 200).toList();
        List<Attempt> unavailable = attempts.stream().filter(a -> a.status() == 503).toList();
        assertThat(taken).as("taken decisions (statuses %s)", byStatus).allSatisfy(a -> assertThat(a.role()).isEqualTo(Role.APPROVER));
        Set<String> takenBy = taken.stream().map(Attempt::who).collect(Collectors.toSet());
        assertThat(takenBy).as("each approver's decision is taken once at most").hasSize(taken.size());
        assertThat(taken.size()).as("statuses %s", byStatus).isLessThanOrEqualTo(REQUIRED);
        assertThat(unavailable).as("a decision too slow to take says so and names the approval").allSatisfy(a ->
                assertThat(a.body()).contains("did not take the decision").contains(held.approvalId()));
        if (unavailable.isEmpty()) {
            assertThat(taken).as("statuses %s", byStatus).hasSize(REQUIRED);
        }
        for (Attempt a : attempts) {
            switch (a.role()) {
                case STRANGER -> assertThat(a.status()).as("a stranger is not told the approval exists: %s", a).isEqualTo(404);
                case REQUESTER -> assertThat(a.status()).as("%s", a).isIn(403, 409, 503);
                case AUDITOR -> assertThat(a.status()).as("%s", a).isIn(403, 409, 503);
                case APPROVER -> assertThat(a.status()).as("%s", a).isIn(200, 409, 503);
            }
            if (a.status() == 403) {
                assertThat(a.body()).as("%s", a).containsAnyOf("cannot decide it", "in none of the groups that may decide");
            }
            if (a.status() == 409) {
                assertThat(a.body()).as("%s", a).containsAnyOf("already approved", "has already approved");
            }
        }

        JsonNode answer = held.answer();
        assertThat(answer.path("result").path("content").path(0).path("text").asText()).as(answer.toString()).isEqualTo("purged p-1");
        assertThat(upstream.runs("purge_record", "p-1")).as("the approved call ran once").isEqualTo(1);

        Set<String> recorded = Poll.until(REQUIRED + " recorded decisions", PATIENCE, () -> Optional.of(recordedApprovers(held.approvalId()))
                .filter(r -> r.size() >= REQUIRED));
        Set<String> takenEmails = takenBy.stream().map(who -> who + "@example.com").collect(Collectors.toSet());
        Set<String> unavailableEmails = unavailable.stream().map(a -> a.who() + "@example.com").collect(Collectors.toSet());
        assertThat(recorded).as("every decision answered 200 is recorded").containsAll(takenEmails);
        Set<String> mayHaveArrived = new HashSet<>(takenEmails);
        mayHaveArrived.addAll(unavailableEmails);
        assertThat(recorded).as("nothing is recorded that was refused").hasSize(REQUIRED).isSubsetOf(mayHaveArrived);
        JsonNode approval = api.get("auditor", "/api/approvals/" + held.approvalId());
        assertThat(approval.path("status").asText()).isEqualTo("approved");
        assertThat(GatehouseApi.elements(approval.path("decisions")).stream().map(d -> d.path("approver").asText()))
                .containsExactlyInAnyOrderElementsOf(recorded);

        // Nothing is left stuck: the next gated call is held and approved as ever.
        HeldCall next = HeldCall.start(stack, api, "agent-purge", "crm", "purge_record", "{\"id\":\"p-2\"}", PATIENCE);
        for (String approver : APPROVERS.subList(0, REQUIRED)) {
            HttpResponse<String> decided = api.decide(approver, next.approvalId(), "approve", "fine");
            assertThat(decided.statusCode()).as(decided.body()).isEqualTo(200);
        }
        assertThat(next.answer().path("result").path("content").path(0).path("text").asText()).isEqualTo("purged p-2");
        assertThat(upstream.runs("purge_record", "p-2")).isEqualTo(1);
    }

    /** The thousand, shuffled: approvers approving over and over, everyone else denying (which must change nothing). */
    private List<Map.Entry<String, Role>> everyone() {
        List<Map.Entry<String, Role>> who = new ArrayList<>();
        for (String approver : APPROVERS) {
            for (int i = 0; i < ATTEMPTS_PER_APPROVER; i++) {
                who.add(Map.entry(approver, Role.APPROVER));
            }
        }
        for (int i = 0; i < REQUESTER_ATTEMPTS; i++) {
            who.add(Map.entry("agent-purge", Role.REQUESTER));
        }
        for (int i = 0; i < AUDITOR_ATTEMPTS; i++) {
            who.add(Map.entry("auditor", Role.AUDITOR));
        }
        for (int i = 0; i < STRANGERS; i++) {
            who.add(Map.entry("stranger-" + i, Role.STRANGER));
        }
        Collections.shuffle(who, new java.util.Random(1_000));
        return who;
    }

    /** Sends every decision at the same moment (tokens minted first, so the burst is only HTTP) and collects the answers. */
    private List<Attempt> decideAtOnce(String approvalId, List<Map.Entry<String, Role>> who) throws Exception {
        Map<String, String> tokens = new HashMap<>();
        for (Map.Entry<String, Role> person : who) {
            tokens.computeIfAbsent(person.getKey(), p -> p.equals("auditor") ? stack.token(p, "security") : stack.token(p));
        }
        URI decision = URI.create(stack.baseUrl() + "/api/approvals/" + approvalId + "/decision");
        CountDownLatch go = new CountDownLatch(1);
        List<CompletableFuture<Attempt>> answers = new ArrayList<>();
        for (Map.Entry<String, Role> person : who) {
            String verdict = person.getValue() == Role.APPROVER ? "approve" : "deny";
            HttpRequest request = HttpRequest.newBuilder(decision).timeout(Duration.ofSeconds(90))
                    .header("Authorization", "Bearer " + tokens.get(person.getKey()))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(Map.of("decision", verdict, "reason", "burst"))))
                    .build();
            CompletableFuture<Attempt> answer = new CompletableFuture<>();
            Thread.ofVirtual().start(() -> {
                try {
                    go.await();
                    HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
                    answer.complete(new Attempt(person.getKey(), person.getValue(), response.statusCode(), response.body()));
                } catch (Exception e) {
                    // No answer at all (a dropped connection): the decider cannot tell whether it was taken. Status 0 fails the test.
                    answer.complete(new Attempt(person.getKey(), person.getValue(), 0, e.toString()));
                }
            });
            answers.add(answer);
        }
        go.countDown();
        List<Attempt> attempts = new ArrayList<>();
        for (CompletableFuture<Attempt> answer : answers) {
            attempts.add(answer.get(120, TimeUnit.SECONDS));
        }
        return attempts;
    }

    private Set<String> recordedApprovers(String approvalId) {
        try (Connection db = DriverManager.getConnection(stack.dev().jdbcUrl());
             PreparedStatement query = db.prepareStatement("select approver from audit_approval_decision where approval_id = ?")) {
            query.setString(1, approvalId);
            Set<String> approvers = new HashSet<>();
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    approvers.add(rows.getString(1));
                }
            }
            return approvers;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
