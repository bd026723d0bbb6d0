package dev.gatehouse.broker.recording;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.broker.dev.DemoUpstream;
import dev.gatehouse.broker.testing.RawMcp;
import dev.gatehouse.broker.testing.RecordedEvents;
import dev.gatehouse.broker.testing.TestStack;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * PostgreSQL stopped under load and started again: no answer reaches a caller without its
 * events committed, calls are refused with a clear error while the audit store is down, and the
 * broker recovers by itself.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AuditOutageTest {

    private static final int WORKERS = 6;

    private DemoUpstream upstream;
    private TestStack stack;

    @BeforeAll
    void start() {
        upstream = DemoUpstream.start(0);
        stack = TestStack.start("""
                upstreams:
                  - name: crm
                    url: %s
                  - name: crm-open
                    url: %s
                    auditFailOpen: true
                policies:
                  - name: agents search
                    groups: [agents]
                    action: allow
                """.formatted(upstream.url(), upstream.url()));
    }

    @AfterAll
    void stop() {
        stack.close();
        upstream.close();
    }

    /** What one worker saw: the ids of calls answered with a result, and the errors of the others. */
    private record Seen(String sessionId, List<String> answered, List<JsonNode> errors, List<Integer> statuses) {
    }

    @Test
    void answersNothingUnrecordedWhileTheDatabaseIsDownAndRecoversWithoutARestart() throws Exception {
        List<RawMcp> clients = new ArrayList<>();
        for (int w = 0; w < WORKERS; w++) {
            RawMcp raw = stack.raw("crm").bearer(stack.token("outage-agent-" + w, "agents"));
            String session = raw.initialize();
            clients.add(raw.with("Mcp-Session-Id", session));
        }
        RawMcp failOpen = stack.raw("crm-open").bearer(stack.token("fail-open-agent", "agents"));
        failOpen = failOpen.with("Mcp-Session-Id", failOpen.initialize());
        AtomicBoolean running = new AtomicBoolean(true);
        List<Seen> seen = new CopyOnWriteArrayList<>();
        List<Thread> workers = new ArrayList<>();
        for (int w = 0; w < WORKERS; w++) {
            RawMcp client = clients.get(w);
            int worker = w;
            workers.add(Thread.ofVirtual().start(() -> {
                Seen mine = new Seen(client.sessionId(), new CopyOnWriteArrayList<>(), new CopyOnWriteArrayList<>(),
                        new CopyOnWriteArrayList<>());
                seen.add(mine);
                for (int i = 0; running.get(); i++) {
                    String id = "w" + worker + "-" + i;
                    HttpResponse<String> response = client.post("""
                            {"jsonrpc":"2.0","id":"%s","method":"tools/call","params":{"name":"search_customers","arguments":{"query":"ada"}}}"""
                            .formatted(id));
                    mine.statuses().add(response.statusCode());
                    JsonNode message = RawMcp.message(response);
                    if (message != null && message.has("result")) {
                        mine.answered().add(id);
                    } else {
                        mine.errors().add(message);
                        sleep(50);
                    }
                }
            }));
        }
        sleep(1_500);
        stack.dev().database().stop();
        sleep(1_500);
        // An upstream configured to fail open keeps answering; its events wait in memory.
        List<String> answeredWhileDown = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            JsonNode answer = RawMcp.message(failOpen.post("""
                    {"jsonrpc":"2.0","id":"open-%d","method":"tools/call","params":{"name":"search_customers","arguments":{}}}"""
                    .formatted(i)));
            assertThat(answer.has("result")).as("fail-open answer %s", answer).isTrue();
            answeredWhileDown.add("\"open-" + i + "\"");
        }
        sleep(1_500);
        int answeredBeforeRestart = answered(seen);
        stack.dev().database().restart();
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (answered(seen) == answeredBeforeRestart && System.nanoTime() < deadline) {
            sleep(100);
        }
        sleep(1_000);
        running.set(false);
        for (Thread t : workers) {
            t.join(60_000);
        }

        List<JsonNode> errors = seen.stream().flatMap(s -> s.errors().stream()).toList();
        assertThat(errors).as("calls refused while PostgreSQL was down").isNotEmpty();
        assertThat(errors).allSatisfy(error -> {
            assertThat(error.path("error").path("code").asInt()).isEqualTo(-32035);
            assertThat(error.path("error").path("message").asText()).containsAnyOf("could not be recorded", "unavailable");
        });
        assertThat(seen.stream().flatMap(s -> s.statuses().stream())).allSatisfy(status -> assertThat(status).isIn(200, 503));
        assertThat(answered(seen)).as("calls answered after the restart").isGreaterThan(answeredBeforeRestart);

        try (Connection db = DriverManager.getConnection(stack.dev().jdbcUrl())) {
            // Written once PostgreSQL was back, each marked as having gone through while it was down.
            try (PreparedStatement query = db.prepareStatement(
                    "select jsonrpc_id from audit_event where session_id = ? and direction = 'upstream' and fail_open")) {
                query.setString(1, failOpen.sessionId());
                List<String> late = new ArrayList<>();
                try (ResultSet rows = query.executeQuery()) {
                    while (rows.next()) {
                        late.add(rows.getString(1));
                    }
                }
                assertThat(late).containsAll(answeredWhileDown);
            }
            assertThat(new dev.gatehouse.activities.audit.ChainVerifier(org.jdbi.v3.core.Jdbi.create(stack.dev().jdbcUrl()))
                    .verify(failOpen.sessionId()).intact()).isTrue();
            for (Seen worker : seen) {
                Set<String> recordedRequests = RecordedEvents.toolCallIds(db, worker.sessionId(), "client");
                Set<String> recordedAnswers = RecordedEvents.toolCallIds(db, worker.sessionId(), "upstream");
                for (String id : worker.answered()) {
                    assertThat(recordedRequests).as("request %s recorded", id).contains("\"" + id + "\"");
                    assertThat(recordedAnswers).as("answer to %s recorded", id).contains("\"" + id + "\"");
                }
            }
        }
    }

    private static int answered(List<Seen> seen) {
        return seen.stream().mapToInt(s -> s.answered().size()).sum();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
