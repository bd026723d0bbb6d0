package dev.gatehouse.broker.faults;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.activities.audit.ChainVerifier;
import dev.gatehouse.broker.testing.CountingUpstream;
import dev.gatehouse.broker.testing.Poll;
import dev.gatehouse.broker.testing.RawMcp;
import dev.gatehouse.broker.testing.RecordedEvents;
import dev.gatehouse.broker.testing.TestStack;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * PostgreSQL stopped for 30 seconds (the production issue's figure) while callers keep calling, then
 * started again. Longer than the session cache lives, so sessions must be looked up in a database that is
 * not there. Proves: no answer reaches a caller without its request and answer committed; while it is down
 * every call is refused with HTTP 503 and JSON-RPC -32035 saying the record could not be written, quickly
 * (no call waits out a connection pool's timeout); a call refused before it was forwarded never ran, and no
 * call ran twice; the broker serves the same sessions again by itself once PostgreSQL is back, and every
 * session's hash chain verifies. The shorter {@code AuditOutageTest} covers fail-open upstreams.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class DatabaseOutageTest {

    private static final int WORKERS = 4;
    private static final Duration OUTAGE = Duration.ofSeconds(30);
    /** How old the sessions are when PostgreSQL stops. */
    private static final Duration SESSION_AGE = Duration.ofSeconds(8);
    /** How long a call may take while PostgreSQL is down: the audit writer gives up on a connection within a second. */
    private static final Duration REFUSAL_BOUND = Duration.ofSeconds(3);

    private CountingUpstream upstream;
    private TestStack stack;

    @BeforeAll
    void start() {
        upstream = CountingUpstream.start();
        stack = TestStack.start("""
                upstreams:
                  - name: crm
                    url: %s
                policies:
                  - name: agents read
                    groups: [agents]
                    action: allow
                """.formatted(upstream.url()));
    }

    @AfterAll
    void stop() {
        stack.close();
        upstream.close();
    }

    /** One call as its caller saw it. */
    private record Call(String id, long startedNanos, long tookNanos, int status, JsonNode message) {
        boolean answered() {
            return message != null && message.has("result");
        }
    }

    /** One worker's session and every call it made in it. */
    private record Worker(RawMcp client, List<Call> calls) {
    }

    @Test
    void refusesQuicklyAndClearlyWhileDownAnswersNothingUnrecordedAndRecoversByItself() throws Exception {
        long sessionsStarted = System.nanoTime();
        List<Worker> workers = new ArrayList<>();
        for (int w = 0; w < WORKERS; w++) {
            RawMcp raw = stack.raw("crm").bearer(stack.token("outage-agent-" + w, "agents"));
            workers.add(new Worker(raw.with("Mcp-Session-Id", raw.initialize()), new CopyOnWriteArrayList<>()));
        }
        AtomicBoolean running = new AtomicBoolean(true);
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < WORKERS; w++) {
            Worker worker = workers.get(w);
            String prefix = "w" + w + "-";
            threads.add(Thread.ofVirtual().start(() -> {
                for (int i = 0; running.get(); i++) {
                    String id = prefix + i;
                    long started = System.nanoTime();
                    HttpResponse<String> response = worker.client().post("""
                            {"jsonrpc":"2.0","id":"%s","method":"tools/call","params":{"name":"get_record","arguments":{"id":"%s"}}}"""
                            .formatted(id, id));
                    Call call = new Call(id, started, System.nanoTime() - started, response.statusCode(), RawMcp.message(response));
                    worker.calls().add(call);
                    if (!call.answered()) {
                        // A refused caller backs off a little, as a client would; it is not what paces the test.
                        pause(100);
                    }
                }
            }));
        }
        Poll.until("every worker answered before the outage", Duration.ofSeconds(30),
                () -> Optional.of(true).filter(x -> workers.stream().allMatch(w -> w.calls().stream().anyMatch(Call::answered))));

        // The broker caches a session for 30 s from its lookup: sessions some seconds old lose their cache entries
        // well inside the outage, and are then looked up in a database that is not there. Only the clock can tell.
        pause(Math.max(0, SESSION_AGE.toMillis() - Duration.ofNanos(System.nanoTime() - sessionsStarted).toMillis()));
        long down = System.nanoTime();
        stack.dev().database().stop();
        Poll.until("every worker refused while PostgreSQL is down", Duration.ofSeconds(20), () -> Optional.of(true)
                .filter(x -> workers.stream().allMatch(w -> w.calls().stream().anyMatch(c -> c.startedNanos() > down && !c.answered()))));
        // A new caller is refused as clearly as the ones already in a session.
        RawMcp newcomer = stack.raw("crm").bearer(stack.token("outage-newcomer", "agents"));
        long before = System.nanoTime();
        HttpResponse<String> initialize = newcomer.post("""
                {"jsonrpc":"2.0","id":"init","method":"initialize","params":{"protocolVersion":"2025-11-25",
                 "capabilities":{},"clientInfo":{"name":"outage","version":"1"}}}""");
        assertThat(Duration.ofNanos(System.nanoTime() - before)).as("an initialize refused while down").isLessThan(REFUSAL_BOUND);
        assertThat(initialize.statusCode()).as(initialize.body()).isEqualTo(503);
        assertThat(RawMcp.message(initialize).path("error").path("code").asInt()).isEqualTo(-32035);

        // The outage lasts its 30 s whatever the callers do: there is nothing to poll for here.
        pause(Math.max(0, OUTAGE.toMillis() - Duration.ofNanos(System.nanoTime() - down).toMillis()));
        long up = System.nanoTime();
        stack.dev().database().restart();
        Poll.until("every worker answered again after the restart", Duration.ofSeconds(45), () -> Optional.of(true)
                .filter(x -> workers.stream().allMatch(w -> w.calls().stream().anyMatch(c -> c.startedNanos() > up && c.answered()))));
        running.set(false);
        for (Thread t : threads) {
            t.join(Duration.ofSeconds(60));
        }

        List<Call> all = workers.stream().flatMap(w -> w.calls().stream()).toList();
        List<Call> refused = all.stream().filter(c -> !c.answered()).toList();
        List<Call> refusedWhileDown = refused.stream().filter(c -> c.startedNanos() > down && c.startedNanos() + c.tookNanos() < up).toList();
        assertThat(refusedWhileDown.size()).as("calls refused during the outage").isGreaterThan(WORKERS * 10);
        assertThat(refused).as("every refusal is the audit store's, said plainly").allSatisfy(call -> {
            JsonNode error = call.message().path("error");
            if (call.status() == 200) {
                // The documented window: forwarded before the outage began, its answer's stream (HTTP 200) had started.
                assertThat(error.path("message").asText()).as("%s", call).contains("held back");
            } else {
                assertThat(call.status()).as("%s", call).isEqualTo(503);
            }
            assertThat(call.message().path("id").asText()).isEqualTo(call.id());
            assertThat(error.path("code").asInt()).as("%s", call).isEqualTo(-32035);
            assertThat(error.path("message").asText()).as("%s", call).containsAnyOf("could not be recorded", "unavailable");
        });
        List<Call> startedWhileDown = all.stream().filter(c -> c.startedNanos() > down && c.startedNanos() < up).toList();
        assertThat(startedWhileDown).as("no call waits out a connection pool's timeout").allSatisfy(call ->
                assertThat(Duration.ofNanos(call.tookNanos())).as("%s", call).isLessThan(REFUSAL_BOUND));
        for (Call call : all) {
            int runs = upstream.runs("get_record", call.id());
            assertThat(runs).as("%s ran at most once", call).isLessThanOrEqualTo(1);
            if (call.answered()) {
                assertThat(runs).as("%s answered, so it ran", call).isEqualTo(1);
            } else if (call.message().path("error").path("message").asText().contains("not forwarded")) {
                assertThat(runs).as("%s was refused before it was forwarded", call).isZero();
            }
        }

        try (Connection db = DriverManager.getConnection(stack.dev().jdbcUrl())) {
            ChainVerifier verifier = new ChainVerifier(Jdbi.create(stack.dev().jdbcUrl()));
            for (Worker worker : workers) {
                String session = worker.client().sessionId();
                Set<String> requests = RecordedEvents.toolCallIds(db, session, "client");
                Set<String> answers = RecordedEvents.toolCallIds(db, session, "upstream");
                for (Call call : worker.calls()) {
                    if (call.answered()) {
                        assertThat(requests).as("request %s recorded", call.id()).contains("\"" + call.id() + "\"");
                        assertThat(answers).as("answer to %s recorded", call.id()).contains("\"" + call.id() + "\"");
                    }
                }
                assertThat(verifier.verify(session).intact()).as("session %s's chain", session).isTrue();
            }
        }
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
