package dev.gatehouse.broker.approval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.broker.dev.EmbeddedDatabase;
import dev.gatehouse.broker.testing.BrokerProcess;
import dev.gatehouse.broker.testing.ChildJvm;
import dev.gatehouse.broker.testing.CountingUpstream;
import dev.gatehouse.broker.dev.FreePort;
import dev.gatehouse.broker.testing.GatehouseApi;
import dev.gatehouse.broker.testing.Poll;
import dev.gatehouse.broker.testing.RawMcp;
import dev.gatehouse.broker.testing.ServeConfig;
import dev.gatehouse.broker.testing.TemporalServerProcess;
import dev.gatehouse.broker.testing.TestIdp;
import dev.gatehouse.broker.testing.Teardown;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.json.jackson2.JacksonMcpJsonMapper;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.Implementation;
import io.modelcontextprotocol.spec.McpSchema.ProgressNotification;
import io.modelcontextprotocol.spec.McpSchema.TextContent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static dev.gatehouse.broker.testing.GatehouseApi.elements;
import static dev.gatehouse.broker.testing.GatehouseApi.strings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Approval-gated calls end to end with every part real and the broker a separate process: PostgreSQL
 * (embedded, in this JVM), Temporal's test server in a JVM of its own, an OIDC issuer, an official-SDK
 * upstream that counts executions, and {@code gatehouse serve} in a child JVM that the last test kills
 * with SIGKILL while twenty calls wait. Callers are the official MCP Java SDK client and raw HTTP;
 * approvers use the decisions API. Processes are synchronised with by polling what they expose, never by sleeping.
 *
 * <p>The Java test server stands in for a Temporal cluster; set {@value #EXTERNAL_TEMPORAL} to a real
 * cluster's {@code host:port} to run against that instead. (The broker's workers keep no sticky cache, which
 * is what lets a restarted broker pick up the workflows of a killed one at once; with one, the test server
 * would never hand them on.) Logs of the child processes are in {@code target/gated-call-process-test}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GatedCallProcessTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** A fixed key, so a restarted broker reads the payloads of the workflows its predecessor started. */
    private static final String PAYLOAD_KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    private static final Duration BROKER_START = Duration.ofSeconds(60);
    private static final Duration SOON = Duration.ofSeconds(20);

    /** {@code host:port} of a real Temporal cluster to use instead of the Java test server (namespace {@code default}). */
    private static final String EXTERNAL_TEMPORAL = "GATEHOUSE_TEST_TEMPORAL";

    private final String externalTemporal = System.getenv(EXTERNAL_TEMPORAL);
    private final Path workDir = Path.of("target", "gated-call-process-test");
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private GatehouseApi api;
    private final ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor();

    private EmbeddedDatabase database;
    private TemporalServerProcess temporal;
    private TestIdp idp;
    private CountingUpstream upstream;
    private String classpath;
    private Path config;
    private URI base;
    private String audience;
    private int brokerStarts;
    private volatile BrokerProcess broker;

    @BeforeAll
    void startEverything() throws IOException {
        Files.createDirectories(workDir);
        classpath = ChildJvm.snapshotClasspath(workDir.resolve("classpath"));
        // The two slow starters need nothing from each other (and the common pool has one thread on two cores).
        CompletableFuture<EmbeddedDatabase> postgres = CompletableFuture.supplyAsync(EmbeddedDatabase::start, callers);
        CompletableFuture<TemporalServerProcess> temporalServer = externalTemporal != null
                ? CompletableFuture.completedFuture(null)
                : CompletableFuture.supplyAsync(() -> TemporalServerProcess.start(classpath, workDir.resolve("temporal.log"),
                        Duration.ofSeconds(60)), callers);
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
        int port = FreePort.pick();
        base = URI.create("http://127.0.0.1:" + port);
        audience = base + "/mcp";
        api = new GatehouseApi(base, this::apiToken);
        config = new ServeConfig(base, idp.issuer(), upstream.url(), database.jdbcUrl(),
                externalTemporal != null ? externalTemporal : temporal.target(), PAYLOAD_KEY)
                .write(workDir.resolve("gatehouse.yaml"), port);
        broker = startBroker();
    }

    @AfterAll
    void stopEverything() {
        // Each part on its own, so one that fails to stop does not leave the others running.
        Teardown.quietly(broker);
        Teardown.quietly(temporal);
        Teardown.quietly(upstream);
        Teardown.quietly(idp);
        Teardown.quietly(database);
        callers.shutdownNow();
    }

    /** A test that failed half-way through a restart must not take the others down with it. */
    @BeforeEach
    void brokerIsUp() {
        if (!broker.isAlive()) {
            broker = startBroker();
        }
    }

    @Test
    void approvedCallIsHeldThenAnsweredAndRecorded() throws Exception {
        String requester = "agent-approved";
        try (McpSyncClient client = sdkClient(requester)) {
            client.initialize();
            CompletableFuture<CallToolResult> call = callAsync(client, "delete_record", "a-1");

            String approvalId = awaitPending(requester, "delete_record", "a-1");
            assertThat(call).as("the call waits for its approval").isNotDone();
            assertThat(upstream.deletions("a-1")).isZero();

            HttpResponse<String> decided = api.decide("alice", approvalId, "approve", "ticket OPS-1");
            assertThat(decided.statusCode()).as(decided.body()).isEqualTo(200);
            assertThat(JSON.readTree(decided.body()).path("status").asText()).isEqualTo("approved");

            assertThat(text(call.get(30, TimeUnit.SECONDS))).isEqualTo("deleted a-1");
            assertThat(upstream.deletions("a-1")).isEqualTo(1);

            JsonNode approval = api.decidedApproval("alice", approvalId);
            assertThat(approval.path("status").asText()).isEqualTo("approved");
            assertThat(strings(approval.path("decidedBy"))).containsExactly("alice@example.com");
            assertThat(approval.path("decisions")).hasSize(1);
            JsonNode decision = approval.path("decisions").get(0);
            assertThat(decision.path("approver").asText()).isEqualTo("alice@example.com");
            assertThat(decision.path("decision").asText()).isEqualTo("approve");
            assertThat(decision.path("reason").asText()).isEqualTo("ticket OPS-1");
            assertThat(decision.path("channel").asText()).isEqualTo("api");

            String sessionId = onlySessionOf(requester);
            List<JsonNode> events = api.events("auditor", sessionId);
            assertThat(events).as("the request as it arrived")
                    .anyMatch(e -> e.path("kind").asText().equals("message") && e.path("method").asText().equals("tools/call")
                            && e.path("target").asText().equals("delete_record")
                            && e.path("payload").path("params").path("arguments").path("id").asText().equals("a-1"));
            List<String> steps = events.stream()
                    .filter(e -> e.path("kind").asText().equals("approval")
                            && e.path("payload").path("approvalId").asText().equals(approvalId))
                    .map(e -> e.path("payload").path("step").asText())
                    .toList();
            assertThat(steps).containsExactly("pending", "decision", "outcome");
            JsonNode outcome = events.stream().filter(e -> e.path("kind").asText().equals("approval")
                    && e.path("payload").path("step").asText().equals("outcome")).findFirst().orElseThrow();
            assertThat(outcome.path("payload").path("outcome").asText()).isEqualTo("approved");
            assertThat(strings(outcome.path("payload").path("decidedBy"))).containsExactly("alice@example.com");
            assertThat(api.get("auditor", "/api/sessions/" + sessionId + "/verify").path("intact").asBoolean())
                    .as("the session's hash chain verifies").isTrue();
        }
    }

    @Test
    void deniedCallGetsTheDeciderAndReason() throws Exception {
        String requester = "agent-denied";
        try (McpSyncClient client = sdkClient(requester)) {
            client.initialize();
            CompletableFuture<CallToolResult> call = callAsync(client, "delete_record", "d-1");
            String approvalId = awaitPending(requester, "delete_record", "d-1");

            HttpResponse<String> decided = api.decide("bob", approvalId, "deny", "not during the freeze");
            assertThat(decided.statusCode()).as(decided.body()).isEqualTo(200);

            assertThatThrownBy(() -> call.get(30, TimeUnit.SECONDS))
                    .cause().isInstanceOf(McpError.class)
                    .hasMessageContaining("call to 'delete_record' denied by bob@example.com: not during the freeze");
            assertThat(upstream.deletions("d-1")).isZero();
            JsonNode approval = api.get("bob", "/api/approvals/" + approvalId);
            assertThat(approval.path("status").asText()).isEqualTo("denied");
            assertThat(strings(approval.path("decidedBy"))).containsExactly("bob@example.com");
        }
    }

    @Test
    void expiredCallSaysSo() throws Exception {
        String requester = "agent-expiring";
        try (McpSyncClient client = sdkClient(requester)) {
            client.initialize();
            CompletableFuture<CallToolResult> call = callAsync(client, "purge_record", "p-1");
            String approvalId = awaitPending(requester, "purge_record", "p-1");

            assertThatThrownBy(() -> call.get(30, TimeUnit.SECONDS))
                    .cause().isInstanceOf(McpError.class)
                    .hasMessageContaining("call to 'purge_record' expired waiting for approval: no decision within 3s");
            assertThat(upstream.runs("purge_record", "p-1")).isZero();
            assertThat(api.get("alice", "/api/approvals/" + approvalId).path("status").asText()).isEqualTo("expired");
            HttpResponse<String> late = api.decide("alice", approvalId, "approve", "sorry, was at lunch");
            assertThat(late.statusCode()).as(late.body()).isEqualTo(409);
            assertThat(late.body()).contains("expired");
        }
    }

    /**
     * Bob is a DBA, but not for his own call (403). Carol is in no approver group and no role: for her
     * the approval does not exist (404, the same answer as for an unknown id, so ids reveal nothing).
     * Once Alice has approved, Dave, a DBA too, is told who beat him to it (409).
     */
    @Test
    void selfApprovalAndStrangersAreRefused() throws Exception {
        String requester = "bob";
        try (McpSyncClient client = sdkClient(requester, "agents", "staff")) {
            client.initialize();
            CompletableFuture<CallToolResult> call = callAsync(client, "delete_record", "s-1");
            String approvalId = awaitPending(requester, "delete_record", "s-1");

            HttpResponse<String> own = api.decide("bob", approvalId, "approve", "trust me");
            assertThat(own.statusCode()).as(own.body()).isEqualTo(403);
            assertThat(own.body()).contains("bob@example.com made this call and cannot decide it");

            HttpResponse<String> stranger = api.decide("carol", approvalId, "approve", "why not");
            assertThat(stranger.statusCode()).as(stranger.body()).isEqualTo(404);
            assertThat(api.send("carol", "GET", "/api/approvals/" + approvalId, null).statusCode()).isEqualTo(404);
            assertThat(api.approvals("carol", "status=pending")).noneMatch(a -> a.path("id").asText().equals(approvalId));
            assertThat(call).as("refused decisions leave the call waiting").isNotDone();

            HttpResponse<String> approved = api.decide("alice", approvalId, "approve", "");
            assertThat(approved.statusCode()).as(approved.body()).isEqualTo(200);
            HttpResponse<String> late = api.decide("dave", approvalId, "approve", "me too");
            assertThat(late.statusCode()).as(late.body()).isEqualTo(409);
            assertThat(late.body()).contains("already approved by alice@example.com");

            assertThat(text(call.get(30, TimeUnit.SECONDS))).isEqualTo("deleted s-1");
            assertThat(upstream.deletions("s-1")).isEqualTo(1);
            assertThat(strings(api.get("alice", "/api/approvals/" + approvalId).path("decidedBy")))
                    .containsExactly("alice@example.com");
        }
    }

    @Test
    void clientDisconnectsAndReattachesByRetrying() throws Exception {
        String requester = "agent-flaky";
        RawMcp raw = new RawMcp(URI.create(base + "/mcp/crm")).bearer(token(requester, "agents"));
        RawMcp session = raw.with("Mcp-Session-Id", raw.initialize()).with("MCP-Protocol-Version", "2025-11-25");
        assertThat(session.post("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}").statusCode()).isEqualTo(202);

        // The first attempt: read until the broker says what the call waits for, then drop the connection.
        HttpRequest first = HttpRequest.newBuilder(URI.create(base + "/mcp/crm"))
                .header("Authorization", "Bearer " + token(requester, "agents"))
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream")
                .header("Mcp-Session-Id", session.sessionId())
                .header("MCP-Protocol-Version", "2025-11-25")
                .POST(HttpRequest.BodyPublishers.ofString("""
                        {"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"delete_record",
                         "arguments":{"id":"r-1"},"_meta":{"progressToken":"r-1-wait"}}}"""))
                .build();
        HttpResponse<InputStream> held = http.send(first, HttpResponse.BodyHandlers.ofInputStream());
        assertThat(held.statusCode()).isEqualTo(200);
        assertThat(held.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
        String progress;
        try (InputStream body = held.body()) {
            progress = firstDataLine(body);
        }
        JsonNode waiting = JSON.readTree(progress);
        assertThat(waiting.path("method").asText()).isEqualTo("notifications/progress");
        assertThat(waiting.path("params").path("progressToken").asText()).isEqualTo("r-1-wait");
        assertThat(waiting.path("params").path("message").asText()).contains("waiting for approval apr-").contains("by dba");
        String approvalId = awaitPending(requester, "delete_record", "r-1");
        assertThat(waiting.path("params").path("message").asText()).contains(approvalId);

        assertThat(api.decide("alice", approvalId, "approve", "go").statusCode()).isEqualTo(200);
        Poll.until("approval " + approvalId + " to read approved", SOON, () -> Optional.of(
                api.get("alice", "/api/approvals/" + approvalId)).filter(a -> a.path("status").asText().equals("approved")));

        // The retry: the same call with a new JSON-RPC id gets the recorded answer at once, under its own id.
        HttpResponse<String> retried = session.post("""
                {"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"delete_record","arguments":{"id":"r-1"}}}""");
        assertThat(retried.statusCode()).as(retried.body()).isEqualTo(200);
        assertThat(retried.body()).as("a replayed answer does not wait").doesNotContain("waiting for approval");
        JsonNode answer = RawMcp.message(retried);
        assertThat(answer.path("id").asInt()).isEqualTo(8);
        assertThat(answer.path("result").path("content").get(0).path("text").asText()).isEqualTo("deleted r-1");
        assertThat(upstream.deletions("r-1")).isEqualTo(1);
    }

    @Test
    void concurrentRetriesShareOneApproval() throws Exception {
        String requester = "agent-herd";
        int herd = 8;
        CountDownLatch allHeld = new CountDownLatch(herd);
        List<String> announced = Collections.synchronizedList(new ArrayList<>());
        List<McpSyncClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < herd; i++) {
                McpSyncClient client = sdkClientSpec(token(requester, "agents"), Duration.ofSeconds(60))
                        .progressConsumer((ProgressNotification p) -> {
                            announced.add(p.message());
                            allHeld.countDown();
                        })
                        .build();
                client.initialize();
                clients.add(client);
            }
            CountDownLatch go = new CountDownLatch(1);
            List<CompletableFuture<CallToolResult>> calls = IntStream.range(0, herd)
                    .mapToObj(i -> CompletableFuture.supplyAsync(() -> {
                        awaitQuietly(go);
                        return clients.get(i).callTool(CallToolRequest.builder().name("delete_record")
                                .arguments(Map.of("id", "c-1")).progressToken("herd-" + i).build());
                    }, callers))
                    .toList();
            go.countDown();

            assertThat(allHeld.await(30, TimeUnit.SECONDS)).as("every call is held and told what it waits for").isTrue();
            List<JsonNode> pending = pendingOf(requester, "delete_record", "c-1");
            assertThat(pending).as("one approval for eight identical calls").hasSize(1);
            String approvalId = pending.getFirst().path("id").asText();
            assertThat(announced).hasSize(herd).allMatch(m -> m.contains("waiting for approval " + approvalId + " "));

            assertThat(api.decide("alice", approvalId, "approve", "once is enough").statusCode()).isEqualTo(200);
            for (CompletableFuture<CallToolResult> call : calls) {
                assertThat(text(call.get(30, TimeUnit.SECONDS))).isEqualTo("deleted c-1");
            }
            assertThat(upstream.deletions("c-1")).isEqualTo(1);
            assertThat(approvalsOf(requester)).hasSize(1);
        } finally {
            clients.forEach(McpSyncClient::close);
        }
    }

    /**
     * SIGKILL while twenty calls wait: nothing the broker held is lost, because it held nothing of its own.
     * The approvals stay pending in PostgreSQL and their workflows in Temporal; each caller retries (its
     * connection died with the broker) in a new session and is attached to its original approval; once
     * approved, each call runs exactly once and the record is complete.
     */
    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void brokerKilledWhileTwentyCallsWaitLosesNothing() throws Exception {
        String requester = "agent-fleet";
        List<String> ids = IntStream.rangeClosed(1, 20).mapToObj(i -> "k-" + i).toList();
        List<McpSyncClient> clients = new ArrayList<>();
        try {
            List<CompletableFuture<CallToolResult>> held = new ArrayList<>();
            for (String id : ids) {
                McpSyncClient client = sdkClient(requester);
                clients.add(client);
                client.initialize();
                held.add(callAsync(client, "delete_record", id));
            }
            Map<String, String> approvalOf = Poll.until("all 20 calls to be pending", Duration.ofSeconds(30), () -> Optional
                    .of(approvalsOf(requester))
                    .filter(list -> list.size() == 20 && list.stream().allMatch(a -> a.path("status").asText().equals("pending")))
                    .map(list -> list.stream().collect(Collectors.toMap(a -> argument(a, "id"), a -> a.path("id").asText()))));
            assertThat(approvalOf.keySet()).containsExactlyInAnyOrderElementsOf(ids);
            // Pending in the inbox is the broker's claim; the workflow's first step is its record in the session's chain.
            Poll.until("all 20 workflows to have recorded their approval as pending", SOON,
                    () -> Optional.of(countQuietly(approvalSteps("pending"), requester)).filter(n -> n == 20));

            broker.kill();
            for (CompletableFuture<CallToolResult> call : held) {
                assertThatThrownBy(() -> call.get(30, TimeUnit.SECONDS)).as("a call whose broker died")
                        .isInstanceOf(ExecutionException.class);
            }
            broker = startBroker();

            List<JsonNode> survivors = approvalsOf(requester);
            assertThat(survivors).as("the approvals after the restart").hasSize(20)
                    .allMatch(a -> a.path("status").asText().equals("pending"));

            // Each caller retries in a new session, as a client whose connection died would: held again, on its first approval.
            Map<String, String> announced = new ConcurrentHashMap<>();
            List<CompletableFuture<String>> retries = new ArrayList<>();
            for (String id : ids) {
                McpSyncClient retry = sdkClientSpec(token(requester, "agents"), Duration.ofSeconds(90))
                        .progressConsumer((ProgressNotification p) -> announced.put(id, p.message()))
                        .build();
                clients.add(retry);
                retry.initialize();
                retries.add(CompletableFuture.supplyAsync(() -> text(retry.callTool(CallToolRequest.builder()
                        .name("delete_record").arguments(Map.of("id", id)).progressToken("retry-" + id).build())), callers));
            }
            Poll.until("every retry to be held", SOON, () -> Optional.of(announced.size()).filter(n -> n == 20));
            assertThat(ids).allSatisfy(id -> assertThat(announced.get(id)).as("what the retry of %s waits for", id)
                    .contains("waiting for approval " + approvalOf.get(id) + " "));
            assertThat(approvalsOf(requester)).as("retries ask nobody a second time").hasSize(20);

            // Nothing the killed broker had written is lost or broken: each approval's first step is in its session's chain.
            assertThat(countQuietly(approvalSteps("pending"), requester)).isEqualTo(20);
            JsonNode intact = api.get("auditor", "/api/verify");
            assertThat(intact.path("intact").asBoolean()).as(intact.toString()).isTrue();

            // In parallel, as twenty approvers might.
            List<CompletableFuture<HttpResponse<String>>> decisions = ids.stream().map(id -> CompletableFuture.supplyAsync(
                    () -> api.decide("alice", approvalOf.get(id), "approve", "after the crash"), callers)).toList();
            for (CompletableFuture<HttpResponse<String>> decision : decisions) {
                HttpResponse<String> decided = decision.get(60, TimeUnit.SECONDS);
                assertThat(decided.statusCode()).as(decided.body()).isEqualTo(200);
            }
            for (int i = 0; i < ids.size(); i++) {
                assertThat(retries.get(i).get(60, TimeUnit.SECONDS)).isEqualTo("deleted " + ids.get(i));
            }
            assertThat(ids).allSatisfy(id -> assertThat(upstream.deletions(id)).as("runs of %s", id).isEqualTo(1));

            try (Connection db = DriverManager.getConnection(database.jdbcUrl())) {
                assertThat(count(db, "select count(*) from audit_approval where requester = ? and status = 'approved'", requester))
                        .isEqualTo(20);
                assertThat(count(db, "select count(*) from audit_approval where requester = ?", requester)).isEqualTo(20);
                for (String step : List.of("pending", "decision", "outcome")) {
                    assertThat(count(db, approvalSteps(step), requester)).as("%s steps in the chains", step).isEqualTo(20);
                }
                assertThat(count(db, "select count(*) from audit_approval_decision d join audit_approval a on a.id = d.approval_id"
                        + " where a.requester = ? and d.approver = 'alice@example.com'", requester)).isEqualTo(20);
            }
            JsonNode verified = api.get("auditor", "/api/verify");
            assertThat(verified.path("intact").asBoolean()).as(verified.toString()).isTrue();
        } finally {
            clients.forEach(McpSyncClient::close);
        }
    }

    // --- the parts ---

    private BrokerProcess startBroker() {
        brokerStarts++;
        return BrokerProcess.serve(classpath, config, workDir.resolve("broker-" + brokerStarts + ".log"), BROKER_START);
    }

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

    private McpSyncClient sdkClient(String subject, String... groups) {
        return sdkClientSpec(token(subject, groups.length == 0 ? new String[] {"agents"} : groups), Duration.ofSeconds(60)).build();
    }

    private McpClient.SyncSpec sdkClientSpec(String token, Duration requestTimeout) {
        HttpClientStreamableHttpTransport transport = HttpClientStreamableHttpTransport.builder(base.toString())
                .endpoint("/mcp/crm")
                .jsonMapper(new JacksonMcpJsonMapper(new ObjectMapper()))
                .addHttpRequestCustomizer((builder, method, uri, body, context) -> builder.header("Authorization", "Bearer " + token))
                .build();
        return McpClient.sync(transport)
                .clientInfo(new Implementation("gated-call-process-test", "1.0"))
                .requestTimeout(requestTimeout);
    }

    private CompletableFuture<CallToolResult> callAsync(McpSyncClient client, String tool, String id) {
        return CompletableFuture.supplyAsync(() -> client.callTool(new CallToolRequest(tool, Map.of("id", id))), callers);
    }

    // --- what the APIs say about these tests' calls ---

    /** Waits until the approval of this call shows up as pending to an approver, and returns its id. */
    private String awaitPending(String requester, String tool, String id) {
        return Poll.until("the approval of " + tool + " " + id + " by " + requester + " to be pending", SOON,
                () -> pendingOf(requester, tool, id).stream().findFirst().map(a -> a.path("id").asText()));
    }

    /** An argument of the call as approvers see it: the preview holds the call's params (masked), arguments within. */
    private static String argument(JsonNode approval, String name) {
        return approval.path("argsPreview").path(name).asText();
    }

    private List<JsonNode> pendingOf(String requester, String tool, String id) {
        return api.approvals("alice", "status=pending").stream()
                .filter(a -> a.path("requester").path("subject").asText().equals(requester)
                        && a.path("tool").asText().equals(tool)
                        && argument(a, "id").equals(id))
                .toList();
    }

    /** Every approval of {@code requester}'s calls, as an auditor sees them. */
    private List<JsonNode> approvalsOf(String requester) {
        return api.approvals("auditor", "").stream()
                .filter(a -> a.path("requester").path("subject").asText().equals(requester))
                .toList();
    }

    private String onlySessionOf(String caller) {
        List<JsonNode> sessions = elements(api.get("auditor", "/api/sessions?caller=" + caller).path("sessions"));
        assertThat(sessions).as("recorded sessions of %s", caller).hasSize(1);
        return sessions.getFirst().path("id").asText();
    }

    // --- small things ---

    /** Reads an SSE body up to its first {@code data:} line and returns that line's JSON. */
    private static String firstDataLine(InputStream body) throws IOException {
        BufferedReader lines = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8));
        String line;
        while ((line = lines.readLine()) != null) {
            if (line.startsWith("data:") && !line.substring(5).isBlank()) {
                return line.substring(5).trim();
            }
        }
        throw new AssertionError("the held stream ended without an event");
    }

    private static String text(CallToolResult result) {
        assertThat(result.isError()).as("tool error: %s", result.content()).isNotEqualTo(Boolean.TRUE);
        return ((TextContent) result.content().getFirst()).text();
    }

    /** Counts the approval events of one step in the chains of a requester's approvals. */
    private static String approvalSteps(String step) {
        return """
                select count(*) from audit_event e join audit_approval a on a.session_id = e.session_id
                 where a.requester = ? and e.kind = 'approval' and e.payload ->> 'approvalId' = a.id
                   and e.payload ->> 'step' = '%s'""".formatted(step);
    }

    private long countQuietly(String sql, String parameter) {
        try (Connection db = DriverManager.getConnection(database.jdbcUrl())) {
            return count(db, sql, parameter);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long count(Connection db, String sql, String parameter) throws SQLException {
        try (PreparedStatement query = db.prepareStatement(sql)) {
            query.setString(1, parameter);
            try (ResultSet row = query.executeQuery()) {
                row.next();
                return row.getLong(1);
            }
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
