package dev.gatehouse.broker.scaleout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.broker.dev.EmbeddedDatabase;
import dev.gatehouse.broker.dev.FreePort;
import dev.gatehouse.broker.testing.BrokerProcess;
import dev.gatehouse.broker.testing.ChildJvm;
import dev.gatehouse.broker.testing.CountingUpstream;
import dev.gatehouse.broker.testing.GatehouseApi;
import dev.gatehouse.broker.testing.Poll;
import dev.gatehouse.broker.testing.RawMcp;
import dev.gatehouse.broker.testing.ServeConfig;
import dev.gatehouse.broker.testing.TemporalServerProcess;
import dev.gatehouse.broker.testing.TestIdp;
import dev.gatehouse.broker.testing.Teardown;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static dev.gatehouse.broker.testing.GatehouseApi.elements;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two {@code gatehouse serve} replicas, each a JVM of its own on loopback, sharing one PostgreSQL
 * (embedded, in this JVM) and one Temporal (the test server, in a JVM of its own), as two replicas behind a
 * load balancer would: the same configuration but for the port, the same public URL and payload key. No
 * state of a session or of an approval may live in one replica's memory (DESIGN.md, "any replica must be
 * able to serve any request of a session and any approval"), so a session or a held call is started on
 * {@code a} and continued, decided or retried on {@code b}. Processes are synchronised with by reading what
 * they expose, never by sleeping. Logs of the child processes are in {@code target/scale-out-test}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ScaleOutTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PAYLOAD_KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    private static final Duration BROKER_START = Duration.ofSeconds(90);
    private static final Duration SOON = Duration.ofSeconds(20);
    private static final String TOOLS_LIST = "{\"jsonrpc\":\"2.0\",\"id\":\"list\",\"method\":\"tools/list\"}";

    private final Path workDir = Path.of("target", "scale-out-test");
    private final ExecutorService starters = Executors.newVirtualThreadPerTaskExecutor();

    private EmbeddedDatabase database;
    private TemporalServerProcess temporal;
    private TestIdp idp;
    private CountingUpstream upstream;
    private String classpath;
    private String audience;
    private Replica a;
    private Replica b;

    /** One replica: its own port and configuration file, and the process serving them (replaced after a kill). */
    private final class Replica {
        final String name;
        final URI base;
        final Path config;
        final GatehouseApi api;
        int starts;
        volatile BrokerProcess process;

        Replica(String name, ServeConfig deployment, int port) {
            this.name = name;
            this.base = URI.create("http://127.0.0.1:" + port);
            this.config = deployment.write(workDir.resolve("gatehouse-" + name + ".yaml"), port);
            this.api = new GatehouseApi(base, ScaleOutTest.this::apiToken);
        }

        Replica start() {
            starts++;
            process = BrokerProcess.serve(classpath, config, workDir.resolve("broker-" + name + "-" + starts + ".log"), BROKER_START);
            return this;
        }

        RawMcp mcp(String subject) {
            return new RawMcp(URI.create(base + "/mcp/crm")).bearer(token(subject, "agents"));
        }
    }

    @BeforeAll
    void startEverything() throws IOException {
        Files.createDirectories(workDir);
        classpath = ChildJvm.snapshotClasspath(workDir.resolve("classpath"));
        CompletableFuture<EmbeddedDatabase> postgres = CompletableFuture.supplyAsync(EmbeddedDatabase::start, starters);
        CompletableFuture<TemporalServerProcess> temporalServer = CompletableFuture.supplyAsync(() -> TemporalServerProcess.start(
                classpath, workDir.resolve("temporal.log"), Duration.ofSeconds(60)), starters);
        try {
            idp = TestIdp.start();
            upstream = CountingUpstream.start();
            database = postgres.join();
            temporal = temporalServer.join();
        } catch (RuntimeException e) {
            postgres.thenAccept(EmbeddedDatabase::close);
            temporalServer.thenAccept(Teardown::quietly);
            throw e;
        }
        // The public URL is the load balancer's; here, with none in front, it is a's. Tokens are for its audience.
        int publicPort = FreePort.pick();
        URI publicUrl = URI.create("http://127.0.0.1:" + publicPort);
        audience = publicUrl + "/mcp";
        ServeConfig deployment = new ServeConfig(publicUrl, idp.issuer(), upstream.url(), database.jdbcUrl(), temporal.target(),
                PAYLOAD_KEY);
        a = new Replica("a", deployment, publicPort);
        b = new Replica("b", deployment, FreePort.pick());
        // Both at once: each replica migrates the schema and registers with Temporal as it starts, as replicas rolling out do.
        CompletableFuture<Replica> startingA = CompletableFuture.supplyAsync(a::start, starters);
        CompletableFuture<Replica> startingB = CompletableFuture.supplyAsync(b::start, starters);
        startingA.join();
        startingB.join();
    }

    @AfterAll
    void stopEverything() {
        // Each part on its own, so one that fails to stop does not leave the others running.
        Teardown.quietly(a == null ? null : a.process);
        Teardown.quietly(b == null ? null : b.process);
        Teardown.quietly(temporal);
        Teardown.quietly(upstream);
        Teardown.quietly(idp);
        Teardown.quietly(database);
        starters.shutdownNow();
    }

    /** A test that killed a replica must not take the others down with it. */
    @BeforeEach
    void bothReplicasAreUp() {
        for (Replica replica : List.of(a, b)) {
            if (!replica.process.isAlive()) {
                replica.start();
            }
        }
    }

    @Test
    @Order(1)
    void sessionStartedOnOneReplicaContinuesOnTheOtherInOneChain() throws Exception {
        RawMcp onA = a.mcp("agent-roaming");
        String session = onA.initialize();
        onA = onA.with("Mcp-Session-Id", session).with("MCP-Protocol-Version", "2025-11-25");
        RawMcp onB = b.mcp("agent-roaming").with("Mcp-Session-Id", session).with("MCP-Protocol-Version", "2025-11-25");
        assertThat(onA.post("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}").statusCode()).isEqualTo(202);

        HttpResponse<String> listed = onB.post(TOOLS_LIST);
        assertThat(listed.statusCode()).as(listed.body()).isEqualTo(200);
        assertThat(elements(RawMcp.message(listed).path("result").path("tools")))
                .extracting(tool -> tool.path("name").asText()).contains("get_record", "delete_record");
        HttpResponse<String> called = onB.post(getRecord("on-b", "s-1"));
        assertThat(called.statusCode()).as(called.body()).isEqualTo(200);
        assertThat(text(RawMcp.message(called))).isEqualTo("record s-1");
        // Back on a, so the chain goes a, b, a: each replica appends after the other's last event.
        HttpResponse<String> again = onA.post(getRecord("on-a", "s-2"));
        assertThat(text(RawMcp.message(again))).isEqualTo("record s-2");
        assertThat(upstream.runs("get_record", "s-1")).isEqualTo(1);
        assertThat(upstream.runs("get_record", "s-2")).isEqualTo(1);

        // The binding to the caller holds on the replica that did not start the session too.
        assertThat(b.mcp("agent-other").with("Mcp-Session-Id", session).post(TOOLS_LIST).statusCode()).isEqualTo(403);

        List<JsonNode> events = b.api.events("auditor", session);
        assertThat(events).extracting(e -> e.path("direction").asText() + " " + e.path("method").asText() + " " + e.path("jsonrpcId").asText())
                .as("what each replica recorded, in the order it happened")
                .containsSubsequence("client initialize \"init\"", "upstream initialize \"init\"", // on a
                        "client tools/list \"list\"", "upstream tools/list \"list\"", // on b
                        "client tools/call \"on-b\"", "upstream tools/call \"on-b\"", // on b
                        "client tools/call \"on-a\"", "upstream tools/call \"on-a\""); // on a
        for (int i = 0; i < events.size(); i++) {
            assertThat(events.get(i).path("seq").asLong()).as("seq of event %d", i).isEqualTo(events.getFirst().path("seq").asLong() + i);
            if (i > 0) {
                assertThat(events.get(i).path("prevHash").asText()).as("event %d links to the one before", i)
                        .isEqualTo(events.get(i - 1).path("hash").asText());
            }
        }
        for (Replica replica : List.of(a, b)) {
            JsonNode verified = replica.api.get("auditor", "/api/sessions/" + session + "/verify");
            assertThat(verified.path("intact").asBoolean()).as("verified on %s: %s", replica.name, verified).isTrue();
            assertThat(verified.path("eventsChecked").asLong()).isEqualTo(events.size());
        }

        assertThat(onB.delete().statusCode()).isEqualTo(200);
        // a may still hold the session in its short-lived cache (SessionDirectory): then the upstream, whose session b ended
        // too, answers the 404, and a passes it on. Either way the caller hears that the session is gone.
        HttpResponse<String> afterEnd = onA.post(TOOLS_LIST);
        assertThat(afterEnd.statusCode()).as("the session ended on b, asked on a: %s", afterEnd.body()).isEqualTo(404);
        assertThat(a.api.get("auditor", "/api/sessions/" + session).path("endedAt").isTextual())
                .as("the record says the session ended").isTrue();
    }

    @Test
    @Order(2)
    void callHeldOnOneReplicaIsReleasedByAnApprovalThroughTheOther() throws Exception {
        String requester = "agent-held-on-a";
        RawMcp onA = inSession(a.mcp(requester));
        String approvalId;
        try (Held held = Held.open(onA, "1", "delete_record", "b-1")) {
            approvalId = held.approvalId();
            assertThat(pendingApprovalIds(b, requester)).as("b's inbox shows a's held call").containsExactly(approvalId);
            assertThat(upstream.deletions("b-1")).isZero();

            HttpResponse<String> decided = b.api.decide("alice", approvalId, "approve", "decided on b");
            assertThat(decided.statusCode()).as(decided.body()).isEqualTo(200);

            JsonNode answer = held.answer();
            assertThat(answer.path("id").asText()).isEqualTo("1");
            assertThat(text(answer)).isEqualTo("deleted b-1");
        }
        assertThat(upstream.deletions("b-1")).isEqualTo(1);
        assertThat(a.api.get("alice", "/api/approvals/" + approvalId).path("status").asText()).as("as a sees it").isEqualTo("approved");
    }

    /**
     * SIGKILL of the replica holding the call: the caller's connection dies with it, and the caller retries on the
     * other replica in the same session (it lives in PostgreSQL, not in a's memory), is attached to the same
     * approval, and once that is approved through b gets the one execution's result.
     */
    @Test
    @Order(3)
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void callHeldOnAKilledReplicaIsRetriedOnTheOtherAndRunsOnce() throws Exception {
        String requester = "agent-survivor";
        RawMcp onA = inSession(a.mcp(requester));
        String approvalId;
        try (Held held = Held.open(onA, "1", "delete_record", "c-1")) {
            approvalId = held.approvalId();
            // The workflow's first step, its pending record in the session's chain, is done before a goes.
            Poll.until("the approval's pending step in the session's record", SOON, () -> b.api.events("auditor", onA.sessionId())
                    .stream().filter(e -> e.path("kind").asText().equals("approval")
                            && e.path("payload").path("approvalId").asText().equals(approvalId)
                            && e.path("payload").path("step").asText().equals("pending")).findFirst());
            a.process.kill();
            assertThat(held.endsWithoutAnswer()).as("the held call's connection died with a").isTrue();
        }

        RawMcp onB = b.mcp(requester).with("Mcp-Session-Id", onA.sessionId()).with("MCP-Protocol-Version", "2025-11-25");
        try (Held retry = Held.open(onB, "2", "delete_record", "c-1")) {
            assertThat(retry.approvalId()).as("the retry waits for the first approval").isEqualTo(approvalId);
            assertThat(approvalsOf(b, requester)).as("nobody is asked a second time").hasSize(1);

            HttpResponse<String> decided = b.api.decide("alice", approvalId, "approve", "after a died");
            assertThat(decided.statusCode()).as(decided.body()).isEqualTo(200);
            JsonNode answer = retry.answer();
            assertThat(answer.path("id").asText()).isEqualTo("2");
            assertThat(text(answer)).isEqualTo("deleted c-1");
        }
        assertThat(upstream.deletions("c-1")).isEqualTo(1);
        JsonNode verified = b.api.get("auditor", "/api/sessions/" + onA.sessionId() + "/verify");
        assertThat(verified.path("intact").asBoolean()).as(verified.toString()).isTrue();
    }

    // --- the parts ---

    /** A token as the IdP issues it: the subject's verified e-mail is {@code <subject>@example.com}. */
    private String token(String subject, String... groups) {
        return idp.sign(idp.claims(subject, audience, groups)
                .claim("email", subject + "@example.com")
                .claim("email_verified", true)
                .build());
    }

    /** Who calls the API as whom: auditors are in group security, the others in none that gives a role. */
    private String apiToken(String who) {
        return who.equals("auditor") ? token("auditor", "security") : token(who, "staff");
    }

    private static RawMcp inSession(RawMcp client) {
        RawMcp session = client.with("Mcp-Session-Id", client.initialize()).with("MCP-Protocol-Version", "2025-11-25");
        assertThat(session.post("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}").statusCode()).isEqualTo(202);
        return session;
    }

    private List<JsonNode> approvalsOf(Replica replica, String requester) {
        return replica.api.approvals("auditor", "").stream()
                .filter(approval -> approval.path("requester").path("subject").asText().equals(requester))
                .toList();
    }

    private List<String> pendingApprovalIds(Replica replica, String requester) {
        return approvalsOf(replica, requester).stream()
                .filter(approval -> approval.path("status").asText().equals("pending"))
                .map(approval -> approval.path("id").asText())
                .toList();
    }

    private static String getRecord(String jsonRpcId, String id) {
        return """
                {"jsonrpc":"2.0","id":"%s","method":"tools/call","params":{"name":"get_record","arguments":{"id":"%s"}}}"""
                .formatted(jsonRpcId, id);
    }

    private static String text(JsonNode answer) {
        assertThat(answer.path("result").path("isError").asBoolean()).as("tool error: %s", answer).isFalse();
        return answer.path("result").path("content").get(0).path("text").asText();
    }

    /**
     * A gated {@code tools/call} with a progress token, read as its SSE events arrive: the first is the
     * {@code notifications/progress} that names the approval the call is held for, the last its answer.
     */
    private record Held(BufferedReader events, String approvalId) implements AutoCloseable {

        static Held open(RawMcp session, String jsonRpcId, String tool, String id) throws IOException {
            HttpResponse<InputStream> response = session.postStreaming("""
                    {"jsonrpc":"2.0","id":"%s","method":"tools/call","params":{"name":"%s","arguments":{"id":"%s"},
                     "_meta":{"progressToken":"wait-%s"}}}""".formatted(jsonRpcId, tool, id, jsonRpcId));
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
            BufferedReader events = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8));
            JsonNode progress = next(events).orElseThrow(() -> new AssertionError("the held stream ended before any event"));
            assertThat(progress.path("method").asText()).as(progress.toString()).isEqualTo("notifications/progress");
            String message = progress.path("params").path("message").asText();
            // "waiting for approval apr-… by dba …"
            String approvalId = message.substring(message.indexOf("apr-")).split("[\\s,;:)]", 2)[0];
            return new Held(events, approvalId);
        }

        /** The message with an id that ends the stream: the call's answer. */
        JsonNode answer() throws IOException {
            Optional<JsonNode> message;
            while ((message = next(events)).isPresent()) {
                if (message.get().has("id")) {
                    return message.get();
                }
            }
            throw new AssertionError("the held stream ended without an answer");
        }

        /** Reads on until the stream ends; true if no answer came, however the connection went. */
        boolean endsWithoutAnswer() {
            try {
                answer();
                return false;
            } catch (IOException | AssertionError e) {
                return true;
            }
        }

        private static Optional<JsonNode> next(BufferedReader events) throws IOException {
            String line;
            while ((line = events.readLine()) != null) {
                if (line.startsWith("data:") && !line.substring(5).isBlank()) {
                    return Optional.of(JSON.readTree(line.substring(5).trim()));
                }
            }
            return Optional.empty();
        }

        @Override
        public void close() {
            try {
                events.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
