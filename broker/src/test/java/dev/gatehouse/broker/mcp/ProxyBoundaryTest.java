package dev.gatehouse.broker.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.broker.Broker;
import dev.gatehouse.broker.dev.DemoUpstream;
import dev.gatehouse.broker.dev.DevIssuer;
import dev.gatehouse.broker.testing.RawMcp;
import dev.gatehouse.broker.testing.RecordingUpstream;
import dev.gatehouse.broker.testing.TestStack;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What crosses the broker and what does not: credentials, headers, sessions, and every kind of
 * bad input, each answered with a clear error while nothing reaches the upstream.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProxyBoundaryTest {

    private static final String TOOLS_LIST = "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/list\",\"params\":{}}";

    private RecordingUpstream recording;
    private DemoUpstream demo;
    private TestStack stack;
    private String alice;

    @BeforeAll
    void start() throws Exception {
        recording = RecordingUpstream.start();
        demo = DemoUpstream.start(0);
        int deadPort;
        try (ServerSocket s = new ServerSocket(0)) {
            deadPort = s.getLocalPort();
        }
        stack = TestStack.start("""
                server:
                  maxRequestSize: 8KiB
                upstreams:
                  - name: rec
                    url: %s
                    headers: { X-Upstream-Key: "broker-secret" }
                  - name: rec-impatient
                    url: %s
                    timeout: 1s
                  - name: crm
                    url: %s
                  - name: dead
                    url: http://127.0.0.1:%d/mcp
                    connectTimeout: 1s
                policies:
                  - name: tests may call everything
                    action: allow
                """.formatted(recording.url(), recording.url(), demo.url(), deadPort));
        alice = stack.token("alice", "agents");
    }

    @AfterAll
    void stop() {
        stack.close();
        demo.close();
        recording.close();
    }

    @BeforeEach
    void forgetRecorded() {
        recording.clear();
    }

    private RawMcp rec() {
        return stack.raw("rec").bearer(alice);
    }

    private static int errorCode(HttpResponse<String> response) {
        return RawMcp.message(response).path("error").path("code").asInt();
    }

    @Test
    void addsTheBrokersCredentialAndNeverForwardsTheCallersToken() {
        HttpResponse<String> response = rec().with("Cookie", "session=abc").post(TOOLS_LIST);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(RawMcp.message(response).path("result").path("tools").get(0).path("name").asText()).isEqualTo("echo");
        RecordingUpstream.Received received = recording.received().getFirst();
        assertThat(received.headers()).containsEntry("x-upstream-key", "broker-secret")
                .doesNotContainKeys("authorization", "cookie");
        assertThat(received.body()).isEqualTo(TOOLS_LIST);
    }

    @Test
    void neitherPassesOnNorReplaysTheUpstreamsCookies() {
        HttpResponse<String> first = rec().post(TOOLS_LIST);
        HttpResponse<String> second = stack.raw("rec").bearer(stack.token("bob", "agents")).post(TOOLS_LIST);

        assertThat(first.headers().firstValue("Set-Cookie")).isEmpty();
        assertThat(second.headers().firstValue("Set-Cookie")).isEmpty();
        assertThat(recording.received()).hasSize(2).allSatisfy(r -> assertThat(r.headers()).doesNotContainKey("cookie"));
    }

    @Test
    void refusesDuplicateKeysAndTrailingContentWithoutForwarding() {
        HttpResponse<String> duplicate = rec().post(
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"name\":\"delete_customer\"}}");
        HttpResponse<String> trailing = rec().post(TOOLS_LIST
                + "\n{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"delete_customer\"}}");

        assertThat(List.of(duplicate.statusCode(), trailing.statusCode())).containsOnly(400);
        assertThat(List.of(errorCode(duplicate), errorCode(trailing))).containsOnly(-32700);
        assertThat(RawMcp.message(duplicate).path("error").path("message").asText()).contains("Duplicate field 'name'");
        assertThat(recording.received()).isEmpty();
    }

    @Test
    void refusesToolArgumentsThatAreNotAnObject() {
        HttpResponse<String> response = rec().post("{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":[\"x\"]}}");
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(errorCode(response)).isEqualTo(-32600);
        assertThat(RawMcp.message(response).path("error").path("message").asText()).isEqualTo("params.arguments must be an object");
        assertThat(recording.received()).isEmpty();
    }

    @Test
    void refusesPolicyDecidedMethodsSentAsNotificationsAndNullIds() {
        HttpResponse<String> notification = rec().post("{\"jsonrpc\":\"2.0\",\"method\":\"tools/call\",\"params\":{\"name\":\"echo\"}}");
        HttpResponse<String> nullId = rec().post("{\"jsonrpc\":\"2.0\",\"id\":null,\"method\":\"tools/list\"}");

        assertThat(List.of(notification.statusCode(), nullId.statusCode())).containsOnly(400);
        assertThat(List.of(errorCode(notification), errorCode(nullId))).containsOnly(-32600);
        assertThat(RawMcp.message(notification).path("error").path("message").asText())
                .isEqualTo("tools/call must be a request with an id, not a notification");
        assertThat(recording.received()).isEmpty();
    }

    @Test
    void statelessRequestsKeepTheirRoutingHeadersAndStreamBack() {
        String call = """
                {"jsonrpc":"2.0","id":"c1","method":"tools/call","params":{"name":"echo","arguments":{"text":"hi"},
                 "_meta":{"progressToken":"t1","io.modelcontextprotocol/protocolVersion":"2026-07-28",
                          "io.modelcontextprotocol/clientCapabilities":{}}}}""";
        HttpResponse<String> response = rec()
                .with("MCP-Protocol-Version", "2026-07-28").with("Mcp-Method", "tools/call").with("Mcp-Name", "echo")
                .post(call);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
        assertThat(response.body()).contains("notifications/progress").contains("\"progressToken\":\"t1\"");
        assertThat(RawMcp.message(response).path("result").path("content").get(0).path("text").asText()).isEqualTo("echo: hi");
        assertThat(recording.received().getFirst().headers())
                .containsEntry("mcp-method", "tools/call").containsEntry("mcp-name", "echo")
                .containsEntry("mcp-protocol-version", "2026-07-28");
    }

    @Test
    void acceptsBase64EncodedRoutingHeaders() {
        String name = "=?base64?" + Base64.getEncoder().encodeToString("echo".getBytes(StandardCharsets.UTF_8)) + "?=";
        HttpResponse<String> response = rec().with("MCP-Protocol-Version", "2026-07-28").with("Mcp-Method", "tools/call")
                .with("Mcp-Name", name).post("""
                        {"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{}}}""");
        assertThat(response.statusCode()).isEqualTo(200);
    }

    @Test
    void refusesRoutingHeadersThatContradictTheBody() {
        HttpResponse<String> response = rec().with("MCP-Protocol-Version", "2026-07-28").with("Mcp-Method", "tools/list")
                .post("""
                        {"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"echo"}}""");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(errorCode(response)).isEqualTo(-32020);
        assertThat(RawMcp.message(response).path("id").asInt()).isEqualTo(3);
        assertThat(RawMcp.message(response).path("error").path("message").asText()).contains("Mcp-Method").contains("tools/call");
        assertThat(recording.received()).isEmpty();
    }

    @Test
    void refusesAMissingMcpNameUnderTheStatelessRevision() {
        HttpResponse<String> response = rec().with("MCP-Protocol-Version", "2026-07-28").with("Mcp-Method", "tools/call")
                .post("""
                        {"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"echo"}}""");
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(errorCode(response)).isEqualTo(-32020);
        assertThat(recording.received()).isEmpty();
    }

    @Test
    void refusesMalformedJsonWithoutForwarding() {
        HttpResponse<String> response = rec().post("{\"jsonrpc\":\"2.0\",");
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(errorCode(response)).isEqualTo(-32700);
        assertThat(RawMcp.message(response).path("error").path("message").asText()).startsWith("the body is not valid JSON");
        assertThat(recording.received()).isEmpty();
    }

    @Test
    void refusesBatchesAndNonObjectsWithoutForwarding() {
        HttpResponse<String> batch = rec().post("[" + TOOLS_LIST + "]");
        HttpResponse<String> string = rec().post("\"tools/list\"");
        HttpResponse<String> noVersion = rec().post("{\"id\":9,\"method\":\"tools/list\"}");

        assertThat(List.of(batch.statusCode(), string.statusCode(), noVersion.statusCode())).containsOnly(400);
        assertThat(List.of(errorCode(batch), errorCode(string), errorCode(noVersion))).containsOnly(-32600);
        assertThat(RawMcp.message(batch).path("error").path("message").asText()).contains("batches are not supported");
        assertThat(RawMcp.message(noVersion).path("id").asInt()).isEqualTo(9);
        assertThat(recording.received()).isEmpty();
    }

    @Test
    void refusesABodyOverTheLimitWithoutForwarding() {
        String big = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":{\"text\":\""
                + "x".repeat(9000) + "\"}}}";
        HttpResponse<String> response = rec().post(big);
        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(errorCode(response)).isEqualTo(-32014);
        assertThat(RawMcp.message(response).path("error").path("message").asText()).contains("8192 bytes");
        assertThat(recording.received()).isEmpty();
    }

    @Test
    void refusesAForeignOriginButAcceptsTheBrokersOwn() {
        HttpResponse<String> foreign = rec().with("Origin", "https://evil.example").post(TOOLS_LIST);
        assertThat(foreign.statusCode()).isEqualTo(403);
        assertThat(errorCode(foreign)).isEqualTo(-32011);
        assertThat(recording.received()).isEmpty();

        assertThat(rec().with("Origin", stack.baseUrl().toString()).post(TOOLS_LIST).statusCode()).isEqualTo(200);
    }

    @Test
    void refusesAMissingTokenPointingAtTheResourceMetadata() throws Exception {
        HttpResponse<String> response = stack.raw("rec").post(TOOLS_LIST);

        assertThat(response.statusCode()).isEqualTo(401);
        String challenge = response.headers().firstValue("WWW-Authenticate").orElseThrow();
        String metadataUrl = stack.baseUrl() + "/.well-known/oauth-protected-resource/mcp/rec";
        assertThat(challenge).startsWith("Bearer resource_metadata=\"" + metadataUrl + "\"");
        assertThat(recording.received()).isEmpty();

        HttpResponse<String> metadata = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(metadataUrl)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(metadata.body()).contains("\"resource\":\"" + stack.baseUrl() + "/mcp/rec\"")
                .contains(stack.baseUrl() + "/dev");
    }

    @Test
    void refusesTokensFromAnIssuerItDoesNotTrust() {
        DevIssuer stranger = new DevIssuer("https://idp.stranger.example", stack.baseUrl() + "/mcp");
        String token = stranger.issue("mallory", List.of("agents"), Optional.empty());
        HttpResponse<String> response = stack.raw("rec").bearer(token).post(TOOLS_LIST);
        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(RawMcp.message(response).path("error").path("message").asText())
                .isEqualTo("tokens from issuer https://idp.stranger.example/dev are not trusted here");
    }

    @Test
    void refusesATokenSignedByAnotherKeyForTheSameIssuer() {
        DevIssuer impostor = new DevIssuer(stack.baseUrl().toString(), stack.baseUrl() + "/mcp");
        HttpResponse<String> response = stack.raw("rec").bearer(impostor.issue("mallory", List.of(), Optional.empty()))
                .post(TOOLS_LIST);
        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(recording.received()).isEmpty();
    }

    @Test
    void namesTheValidUpstreamsForAnUnknownOne() {
        HttpResponse<String> response = stack.raw("nope").bearer(alice).post(TOOLS_LIST);
        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(errorCode(response)).isEqualTo(-32013);
        assertThat(RawMcp.message(response).path("error").path("message").asText())
                .isEqualTo("unknown upstream 'nope'; configured upstreams: crm, dead, rec, rec-impatient");
    }

    @Test
    void answers502NamingAnUnreachableUpstream() {
        HttpResponse<String> response = stack.raw("dead").bearer(alice).post(TOOLS_LIST);
        assertThat(response.statusCode()).isEqualTo(502);
        assertThat(errorCode(response)).isEqualTo(-32030);
        assertThat(RawMcp.message(response).path("id").asInt()).isEqualTo(7);
        assertThat(RawMcp.message(response).path("error").path("message").asText()).startsWith("upstream 'dead' is unreachable");
    }

    @Test
    void answers504NamingAnUpstreamThatTimesOut() {
        HttpResponse<String> response = stack.raw("rec-impatient").bearer(alice).post("""
                {"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"sleep"}}""");
        assertThat(response.statusCode()).isEqualTo(504);
        assertThat(errorCode(response)).isEqualTo(-32034);
        assertThat(RawMcp.message(response).path("error").path("message").asText())
                .isEqualTo("upstream 'rec-impatient' did not answer within 1000 ms");
    }

    @Test
    void passesCancellationsAndClientResponsesThroughByteForByte() {
        String cancel = "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":\"c1\",\"reason\":\"user gave up\"}}";
        String answer = "{\"jsonrpc\":\"2.0\",\"id\":\"server-req-1\",\"result\":{\"action\":\"accept\",\"content\":{\"confirm\":true}}}";

        assertThat(rec().post(cancel).statusCode()).isEqualTo(202);
        assertThat(rec().post(answer).statusCode()).isEqualTo(202);
        assertThat(recording.received()).extracting(RecordingUpstream.Received::body).containsExactly(cancel, answer);
    }

    @Test
    void forwardsLastEventIdOnGetStreams() {
        HttpResponse<String> response = rec().with("Last-Event-ID", "evt-41").get();
        assertThat(response.statusCode()).isEqualTo(405);
        assertThat(recording.received().getFirst().headers()).containsEntry("last-event-id", "evt-41");
    }

    @Test
    void bindsASessionToTheCallerThatCreatedIt() {
        RawMcp asAlice = stack.raw("crm").bearer(alice);
        String session = asAlice.initialize();
        String bob = stack.token("bob", "agents");

        HttpResponse<String> stolen = stack.raw("crm").bearer(bob).with("Mcp-Session-Id", session).post(TOOLS_LIST);
        assertThat(stolen.statusCode()).isEqualTo(403);
        assertThat(errorCode(stolen)).isEqualTo(-32012);

        HttpResponse<String> own = asAlice.with("Mcp-Session-Id", session).with("MCP-Protocol-Version", "2025-11-25").post(TOOLS_LIST);
        assertThat(own.statusCode()).isEqualTo(200);
        assertThat(RawMcp.message(own).path("result").path("tools").size()).isGreaterThan(3);
    }

    @Test
    void keepsSessionsInPostgresNotOnlyInMemory() throws Exception {
        String session = stack.raw("crm").bearer(alice).initialize();
        try (var connection = DriverManager.getConnection(stack.dev().jdbcUrl());
             var query = connection.prepareStatement("select upstream, caller_subject, upstream_session_id from mcp_session where id = ?")) {
            query.setString(1, session);
            ResultSet row = query.executeQuery();
            assertThat(row.next()).isTrue();
            assertThat(row.getString("upstream")).isEqualTo("crm");
            assertThat(row.getString("caller_subject")).isEqualTo("alice");
            assertThat(row.getString("upstream_session_id")).isNotBlank().isNotEqualTo(session);
        }
    }

    @Test
    void anotherReplicaServesTheSessionAndItsEndIsSeenByBoth() {
        try (Broker replica = stack.dev().startReplica()) {
            RawMcp onFirst = stack.raw("crm").bearer(alice);
            String session = onFirst.initialize();
            RawMcp onSecond = new RawMcp(java.net.URI.create("http://localhost:" + replica.port() + "/mcp/crm"))
                    .bearer(alice).with("Mcp-Session-Id", session).with("MCP-Protocol-Version", "2025-11-25");

            HttpResponse<String> listed = onSecond.post(TOOLS_LIST);
            assertThat(listed.statusCode()).isEqualTo(200);
            assertThat(RawMcp.message(listed).path("result").path("tools").size()).isGreaterThan(3);
            // Binding holds on every replica: the session is still alice's only.
            assertThat(new RawMcp(java.net.URI.create("http://localhost:" + replica.port() + "/mcp/crm"))
                    .bearer(stack.token("bob", "agents")).with("Mcp-Session-Id", session).post(TOOLS_LIST).statusCode())
                    .isEqualTo(403);

            assertThat(onSecond.delete().statusCode()).isEqualTo(200);
            HttpResponse<String> afterDelete = onFirst.with("Mcp-Session-Id", session).with("MCP-Protocol-Version", "2025-11-25")
                    .post(TOOLS_LIST);
            assertThat(afterDelete.statusCode()).isEqualTo(404);
        }
    }

    @Test
    void deleteEndsTheSessionAndLaterRequestsGet404() {
        RawMcp asAlice = stack.raw("crm").bearer(alice);
        RawMcp inSession = asAlice.with("Mcp-Session-Id", asAlice.initialize()).with("MCP-Protocol-Version", "2025-11-25");

        assertThat(inSession.delete().statusCode()).isEqualTo(200);
        HttpResponse<String> after = inSession.post(TOOLS_LIST);
        assertThat(after.statusCode()).isEqualTo(404);
        assertThat(errorCode(after)).isEqualTo(-32001);
    }

    @Test
    void refusesAnUnknownSessionWith404() {
        HttpResponse<String> response = stack.raw("crm").bearer(alice).with("Mcp-Session-Id", "no-such-session").post(TOOLS_LIST);
        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(errorCode(response)).isEqualTo(-32001);
    }

    @Test
    void deliversServerInitiatedMessagesOnTheGetStream() throws Exception {
        RawMcp asAlice = stack.raw("crm").bearer(alice);
        RawMcp inSession = asAlice.with("Mcp-Session-Id", asAlice.initialize()).with("MCP-Protocol-Version", "2025-11-25");
        inSession.post("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
        inSession.post("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"resources/subscribe\",\"params\":{\"uri\":\"crm://status\"}}");

        HttpRequest get = HttpRequest.newBuilder(stack.mcp("crm"))
                .header("Authorization", "Bearer " + alice)
                .header("Mcp-Session-Id", inSession.sessionId()).header("MCP-Protocol-Version", "2025-11-25")
                .header("Accept", "text/event-stream").GET().build();
        var pending = HttpClient.newHttpClient().sendAsync(get, HttpResponse.BodyHandlers.ofLines());
        // The upstream sends the stream's headers with its first event, so keep changing the resource
        // until one reaches us through the GET stream (bounded: at most 20 tries).
        HttpResponse<java.util.stream.Stream<String>> response = null;
        for (int i = 0; i < 20 && response == null; i++) {
            inSession.post("{\"jsonrpc\":\"2.0\",\"id\":" + (10 + i)
                    + ",\"method\":\"tools/call\",\"params\":{\"name\":\"touch_status\",\"arguments\":{}}}");
            try {
                response = pending.get(500, java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException notYet) {
                // the GET stream has not delivered its first event yet
            }
        }
        assertThat(response).as("GET stream answered").isNotNull();
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
        try (var lines = response.body()) {
            assertThat(lines.filter(l -> l.startsWith("data:")).findFirst().orElseThrow())
                    .contains("notifications/resources/updated").contains("crm://status");
        }
    }

    @Test
    void reportsReadinessOfItsDependencies() throws Exception {
        HttpResponse<String> ready = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(stack.baseUrl() + "/readyz")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(ready.statusCode()).isEqualTo(200);
        JsonNode body = new com.fasterxml.jackson.databind.ObjectMapper().readTree(ready.body());
        assertThat(body.path("checks").path("postgres").asText()).isEqualTo("ready");
        assertThat(body.path("checks").path("temporal").asText()).isEqualTo("ready");
    }
}
