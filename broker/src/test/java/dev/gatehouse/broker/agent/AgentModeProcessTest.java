package dev.gatehouse.broker.agent;

import com.fasterxml.jackson.databind.JsonNode;
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
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Agent mode end to end, every part its own process as in production: {@code gatehouse serve} and {@code gatehouse
 * agent} in JVMs of their own, sharing one Temporal (the test server, in a third) and nothing else. The broker's
 * configuration has no URL for the upstream, only the agents' task queue; the upstream (an official-SDK server that
 * counts what it runs) is known to the agent alone. Allowed, approved and denied calls, the missing server stream,
 * and the agent killed and started again.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class AgentModeProcessTest {

    private static final String PAYLOAD_KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    private static final String AGENT_QUEUE = "crm-agents";
    private static final Duration START = Duration.ofSeconds(60);

    private final Path workDir = Path.of("target", "agent-mode-process-test");
    private EmbeddedDatabase database;
    private TemporalServerProcess temporal;
    private TestIdp idp;
    private CountingUpstream upstream;
    private String classpath;
    private Path agentConfig;
    private ChildJvm agent;
    private int agentStarts;
    private BrokerProcess broker;
    private URI base;
    private GatehouseApi api;

    @BeforeAll
    void startEverything() throws IOException {
        Files.createDirectories(workDir);
        classpath = ChildJvm.snapshotClasspath(workDir.resolve("classpath"));
        database = EmbeddedDatabase.start();
        temporal = TemporalServerProcess.start(classpath, workDir.resolve("temporal.log"), START);
        idp = TestIdp.start();
        upstream = CountingUpstream.start();
        agentConfig = Files.writeString(workDir.resolve("agent.yaml"), """
                agent:
                  taskQueue: %s
                upstreams:
                  - name: crm
                    url: %s
                temporal:
                  target: %s
                  namespace: default
                  payloadKey: "%s"
                """.formatted(AGENT_QUEUE, upstream.url(), temporal.target(), PAYLOAD_KEY));
        agent = startAgent();
        int port = FreePort.pick();
        base = URI.create("http://127.0.0.1:" + port);
        Path brokerConfig = new ServeConfig(base, idp.issuer(), upstream.url(), database.jdbcUrl(), temporal.target(), PAYLOAD_KEY)
                .writeViaAgent(workDir.resolve("gatehouse.yaml"), port, AGENT_QUEUE);
        assertThat(Files.readString(brokerConfig)).doesNotContain(upstream.url().toString());
        broker = BrokerProcess.serve(classpath, brokerConfig, workDir.resolve("broker.log"), START);
        api = new GatehouseApi(base, who -> token(who, who.equals("auditor") ? "security" : "staff"));
    }

    @AfterAll
    void stopEverything() {
        for (AutoCloseable part : new AutoCloseable[] {broker, agent, temporal, upstream, idp, database}) {
            Teardown.quietly(part);
        }
    }

    @Test
    @Order(1)
    void allowedCallsAndTheirSessionGoThroughTheAgent() {
        RawMcp crm = session("agent-reader");
        HttpResponse<String> tools = crm.post("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}");
        assertThat(RawMcp.message(tools).path("result").path("tools").findValuesAsText("name")).contains("get_record");

        HttpResponse<String> read = crm.post(call(2, "get_record", "a-1"));
        assertThat(text(read)).isEqualTo("record a-1");
        assertThat(upstream.runs("get_record", "a-1")).isEqualTo(1);
    }

    @Test
    @Order(2)
    void anApprovedCallRunsOnceThroughTheAgent() throws Exception {
        RawMcp crm = session("agent-deleter");
        CompletableFuture<HttpResponse<String>> held = crm.postAsync(call(3, "delete_record", "d-1"));
        String approval = Poll.until("the deletion's approval to be pending", Duration.ofSeconds(20), () -> api.approvals("alice",
                "status=pending").stream().filter(a -> a.path("requester").path("subject").asText().equals("agent-deleter"))
                .findFirst().map(a -> a.path("id").asText()));

        HttpResponse<String> decided = api.send("alice", "POST", "/api/approvals/" + approval + "/decision", "{\"decision\":\"approve\"}");
        assertThat(decided.statusCode()).as(decided.body()).isEqualTo(200);

        assertThat(text(held.get(30, TimeUnit.SECONDS))).isEqualTo("deleted d-1");
        assertThat(upstream.deletions("d-1")).isEqualTo(1);
    }

    @Test
    @Order(3)
    void aDeniedCallNeverReachesTheAgentAndTheServerStreamIsRefusedAsMcpAllows() {
        RawMcp crm = session("agent-dropper");
        JsonNode error = RawMcp.message(crm.post(call(4, "drop_record", "x-1"))).path("error");
        assertThat(error.path("message").asText()).contains("dropping is never allowed").contains("records are never dropped");
        assertThat(upstream.runs("drop_record", "x-1")).isZero();

        // A server stream cannot cross a task queue: 405, which MCP clients read as "this server offers none".
        assertThat(crm.with("Accept", "text/event-stream").get().statusCode()).isEqualTo(405);
    }

    @Test
    @Order(4)
    void anAgentKilledMidLoadLosesNoCallRunsNoneTwiceAndTheSessionGoesOnOnceItIsBack() throws Exception {
        RawMcp crm = session("agent-survivor");
        assertThat(text(crm.post(call(5, "get_record", "s-1")))).isEqualTo("record s-1");
        List<String> ids = List.of("m-1", "m-2", "m-3", "m-4");
        List<CompletableFuture<HttpResponse<String>>> inFlight = ids.stream()
                .map(id -> crm.postAsync(call(10 + ids.indexOf(id), "slow_record", id))).toList();
        Poll.until("every slow call to be running upstream", Duration.ofSeconds(20),
                () -> ids.stream().allMatch(id -> upstream.runs("slow_record", id) == 1) ? Optional.of(true) : Optional.empty());

        agent.kill();
        for (CompletableFuture<HttpResponse<String>> call : inFlight) {
            JsonNode error = RawMcp.message(call.get(60, TimeUnit.SECONDS)).path("error");
            assertThat(error.path("message").asText()).as("a call in flight when its agent died")
                    .contains("went silent mid-call").contains("may have run upstream, and is not retried");
        }

        long started = System.nanoTime();
        JsonNode refused = RawMcp.message(crm.post(call(6, "get_record", "s-2"))).path("error");
        assertThat(refused.path("message").asText()).contains("no agent took the message from task queue '" + AGENT_QUEUE + "'")
                .contains("it was not sent");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(40));
        assertThat(upstream.runs("get_record", "s-2")).isZero();

        agent = startAgent();
        assertThat(text(crm.post(call(7, "get_record", "s-3")))).isEqualTo("record s-3");
        // Nothing ran twice: not the calls in flight (each ran once, upstream, as the callers were told it may have),
        // nor the one refused while no agent polled.
        ids.forEach(id -> assertThat(upstream.runs("slow_record", id)).as(id).isEqualTo(1));
        assertThat(upstream.runs("get_record", "s-1")).isEqualTo(1);
        assertThat(upstream.runs("get_record", "s-2")).isZero();
        assertThat(upstream.runs("get_record", "s-3")).isEqualTo(1);
    }

    // --- the parts ---

    private ChildJvm startAgent() {
        agentStarts++;
        ChildJvm started = ChildJvm.start("agent", classpath, List.of("-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"),
                "dev.gatehouse.broker.Gatehouse", List.of("agent", "--config", agentConfig.toString()),
                workDir.resolve("agent-" + agentStarts + ".log"), line -> line.contains("Gatehouse agent is ready"));
        started.awaitUp(START);
        return started;
    }

    private RawMcp session(String subject) {
        RawMcp raw = new RawMcp(base.resolve("/mcp/crm")).bearer(token(subject, "agents"));
        return raw.with("Mcp-Session-Id", raw.initialize()).with("MCP-Protocol-Version", "2025-11-25");
    }

    private String token(String subject, String... groups) {
        return idp.sign(idp.claims(subject, base + "/mcp", groups).claim("email", subject + "@example.com")
                .claim("email_verified", true).build());
    }

    private static String call(int id, String tool, String recordId) {
        return """
                {"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"%s","arguments":{"id":"%s"}}}""".formatted(id, tool, recordId);
    }

    private static String text(HttpResponse<String> response) {
        JsonNode message = RawMcp.message(response);
        return Optional.ofNullable(message).map(m -> m.path("result").path("content").path(0).path("text").asText())
                .filter(t -> !t.isEmpty()).orElseThrow(() -> new AssertionError("no result: " + response.statusCode() + " "
                        + response.body()));
    }
}
