package dev.gatehouse.activities.forward;

import dev.gatehouse.activities.database.Database;
import dev.gatehouse.activities.masking.MaskingProfiles;
import dev.gatehouse.activities.sessions.McpSession;
import dev.gatehouse.activities.sessions.SessionStore;
import dev.gatehouse.activities.testing.PostgresExtension;
import dev.gatehouse.workflows.gated.ApprovalPolicy;
import dev.gatehouse.workflows.gated.ApproverGroup;
import dev.gatehouse.workflows.gated.ForwardResult;
import dev.gatehouse.workflows.gated.GatedCall;
import dev.gatehouse.workflows.gated.Requester;
import dev.gatehouse.workflows.gated.TraceContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** The {@link GatedCallForwarder} against a real HTTP server on loopback playing an MCP upstream. */
@ExtendWith(PostgresExtension.class)
class ForwardActivitiesTest {

    private static final String REQUEST = "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":"
            + "{\"name\":\"delete_customer\",\"arguments\":{\"customer\":\"42\"}}}";
    private static final String ANSWER = "{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{\"content\":[{\"type\":\"text\","
            + "\"text\":\"deleted 42, owner bob@example.com\"}],\"isError\":false}}";

    private final MaskingProfiles profiles = MaskingProfiles.compile(List.of());
    private FakeMcpUpstream upstream;
    private UpstreamClient client;

    @BeforeEach
    void start() throws IOException {
        upstream = new FakeMcpUpstream();
        client = client(upstream.url());
    }

    @AfterEach
    void stop() {
        client.close();
        upstream.close();
    }

    private static UpstreamClient client(URI url) {
        return new HttpUpstreamClient(new UpstreamTarget("crm", url, Map.of("Authorization", "Bearer broker-credential"),
                Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(5)));
    }

    private GatedCallForwarder forwarder(Database db) {
        return new GatedCallForwarder(Map.of("crm", client), new SessionStore(db), profiles::profile);
    }

    private static McpSession session(SessionStore sessions, McpSession.Transport transport) {
        McpSession session = new McpSession("s-1", "crm", "upstream-session-9", transport, "https://idp.example.com", "agent",
                "2025-11-25", false, Instant.now(), Optional.empty());
        sessions.create(session);
        return session;
    }

    private static GatedCall call(String sessionId, String request, Duration forwardTimeout) {
        ApprovalPolicy policy = new ApprovalPolicy("deletes need a DBA", "v1", List.of("dba"), 1, Duration.ofMinutes(30), null,
                List.of(), Map.of("dba", new ApproverGroup("dba", List.of("alice@example.com"), null, false)), null, "");
        return new GatedCall("apr-1", "key", sessionId == null ? "x-1" : sessionId, sessionId, "7",
                new Requester("https://idp.example.com", "agent", "agent@example.com", List.of("agents")), "crm", "tools/call", "delete_customer", request,
                "digest", "{\"customer\":\"42\"}", policy, forwardTimeout);
    }

    private static GatedCall call(String sessionId) {
        return call(sessionId, REQUEST, Duration.ofSeconds(5));
    }

    @Test
    void forwardsInTheCallersUpstreamSessionAndMasksTheJsonAnswer(Database db) {
        session(new SessionStore(db), McpSession.Transport.STREAMABLE_HTTP);
        upstream.answers(FakeMcpUpstream.json(ANSWER));

        ForwardResult result = forwarder(db).forward(call("s-1"));

        assertThat(result.answered()).isTrue();
        assertThat(result.response()).contains("\"id\":7").contains("deleted 42").doesNotContain("bob@example.com");
        FakeMcpUpstream.Received sent = upstream.received().getFirst();
        assertThat(sent.body()).isEqualTo(REQUEST);
        assertThat(sent.header("Mcp-Session-Id")).isEqualTo("upstream-session-9");
        assertThat(sent.header("MCP-Protocol-Version")).isEqualTo("2025-11-25");
        assertThat(sent.header("Accept")).isEqualTo("application/json, text/event-stream");
        assertThat(sent.header("Content-Type")).startsWith("application/json");
        // The broker's credential, and only it: the caller's token is not part of what is forwarded.
        assertThat(sent.headers().get("Authorization")).containsExactly("Bearer broker-credential");
        assertThat(sent.header("Mcp-Method")).isNull();
    }

    @Test
    void theApprovedCallJoinsTheCallersTrace(Database db) {
        session(new SessionStore(db), McpSession.Transport.STREAMABLE_HTTP);
        upstream.answers(FakeMcpUpstream.json(ANSWER));
        TraceContext trace = new TraceContext("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "vendor=opaque");

        forwarder(db).forward(call("s-1").withTrace(trace));

        FakeMcpUpstream.Received sent = upstream.received().getFirst();
        assertThat(sent.header("traceparent")).isEqualTo(trace.traceparent());
        assertThat(sent.header("tracestate")).isEqualTo("vendor=opaque");
    }

    @Test
    void findsTheResponseAmongOtherEventsOfAnSseAnswer(Database db) {
        session(new SessionStore(db), McpSession.Transport.STREAMABLE_HTTP);
        upstream.answers(FakeMcpUpstream.events(
                "id: prime-1\ndata:\n\n",
                ": keep-alive\n\n",
                "event: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{\"progress\":1}}\n\n",
                // A request to the client that happens to reuse the id: not the answer.
                "data: {\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"sampling/createMessage\",\"params\":{}}\r\n\r\n",
                "data: {\"jsonrpc\":\"2.0\",\"id\":8,\"result\":{}}\n\n",
                "data: not json at all\n\n",
                "id: 5\ndata: {\"jsonrpc\":\"2.0\",\"id\":7,\n",
                "data:  \"result\":{\"content\":[{\"type\":\"text\",\"text\":\"mail carol@example.com\"}]}}\n\n",
                "data: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\",\"params\":{}}\n\n"));

        ForwardResult result = forwarder(db).forward(call("s-1"));

        assertThat(result.answered()).as(result.failure()).isTrue();
        assertThat(result.response()).contains("\"id\":7").contains("mail ").doesNotContain("carol@example.com")
                .doesNotContain("sampling");
    }

    @Test
    void aSessionlessStatelessCallCarriesItsRoutingHeadersAndNoSession(Database db) {
        upstream.answers(FakeMcpUpstream.json(ANSWER));
        String request = "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{\"name\":\"delete_customer\","
                + "\"arguments\":{},\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\"}}}";

        ForwardResult result = forwarder(db).forward(call(null, request, Duration.ofSeconds(5)));

        assertThat(result.answered()).isTrue();
        FakeMcpUpstream.Received sent = upstream.received().getFirst();
        assertThat(sent.header("Mcp-Session-Id")).isNull();
        assertThat(sent.header("MCP-Protocol-Version")).isEqualTo("2026-07-28");
        assertThat(sent.header("Mcp-Method")).isEqualTo("tools/call");
        assertThat(sent.header("Mcp-Name")).isEqualTo("delete_customer");
    }

    @Test
    void anErrorStatusIsAFailureNamingIt(Database db) {
        session(new SessionStore(db), McpSession.Transport.STREAMABLE_HTTP);
        upstream.answers(exchange -> FakeMcpUpstream.status(exchange, 500));

        ForwardResult result = forwarder(db).forward(call("s-1"));

        assertThat(result.failure()).isEqualTo("upstream 'crm' answered HTTP 500 instead of a result; the call may have run");
    }

    @Test
    void refusedCredentialsAreAFailureForAnOperator(Database db) {
        upstream.answers(exchange -> FakeMcpUpstream.status(exchange, 401));

        ForwardResult result = forwarder(db).forward(call(null));

        assertThat(result.failure()).contains("refused the broker's credentials (HTTP 401)").contains("operator");
    }

    @Test
    void anUnreachableUpstreamIsAFailureSayingTheCallWasNotSent(Database db) throws IOException {
        URI closed;
        try (ServerSocket socket = new ServerSocket(0)) {
            closed = URI.create("http://127.0.0.1:" + socket.getLocalPort() + "/mcp");
        }
        try (UpstreamClient nowhere = client(closed)) {
            GatedCallForwarder forwarder = new GatedCallForwarder(Map.of("crm", nowhere), new SessionStore(db), profiles::profile);

            ForwardResult result = forwarder.forward(call(null));

            assertThat(result.failure()).isEqualTo("upstream 'crm' is unreachable: connection refused; the call was not sent");
        }
    }

    @Test
    void anAnswerOverTheLimitIsAFailure(Database db) {
        upstream.answers(FakeMcpUpstream.json("{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{\"text\":\"" + "x".repeat(4096) + "\"}}"));
        GatedCallForwarder forwarder = new GatedCallForwarder(Map.of("crm", client), new SessionStore(db), profiles::profile, 1024);

        ForwardResult result = forwarder.forward(call(null));

        assertThat(result.failure()).isEqualTo("upstream 'crm': the upstream's answer exceeds 1024 bytes, the most a gated call's "
                + "answer may be; the call may have run");
    }

    @Test
    void anSseEventOverTheLimitIsAFailure(Database db) {
        upstream.answers(FakeMcpUpstream.events("data: {\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{\"text\":\"" + "x".repeat(4096)
                + "\"}}\n\n"));
        GatedCallForwarder forwarder = new GatedCallForwarder(Map.of("crm", client), new SessionStore(db), profiles::profile, 1024);

        assertThat(forwarder.forward(call(null)).failure()).contains("exceeds 1024 bytes");
    }

    @Test
    void aStreamThatEndsWithoutTheResponseIsAFailure(Database db) {
        upstream.answers(FakeMcpUpstream.events("data: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\"}\n\n"));

        assertThat(forwarder(db).forward(call(null)).failure())
                .isEqualTo("upstream 'crm': the upstream's event stream ended without the response to request 7; the call may have run");
    }

    @Test
    void anUpstreamThatStallsMidStreamTimesOut(Database db) {
        upstream.answers(upstream.stalls("data: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\"}\n\n"));

        ForwardResult result = forwarder(db).forward(call(null, REQUEST, Duration.ofMillis(500)));

        assertThat(result.failure()).isEqualTo("upstream 'crm' did not answer within 500 ms; the call may have run");
    }

    @Test
    void callsOnLegacySseSessionsAreNotSent(Database db) {
        session(new SessionStore(db), McpSession.Transport.SSE);

        ForwardResult result = forwarder(db).forward(call("s-1"));

        assertThat(result.failure()).isEqualTo("gated calls on legacy SSE upstreams are not supported yet; the call was not sent");
        assertThat(upstream.received()).isEmpty();
    }

    @Test
    void callsInAnEndedOrUnknownSessionAreNotSent(Database db) {
        SessionStore sessions = new SessionStore(db);
        session(sessions, McpSession.Transport.STREAMABLE_HTTP);
        sessions.end("s-1", "deleted by client", Instant.now());

        assertThat(forwarder(db).forward(call("s-1")).failure()).contains("ended while the call waited").endsWith("was not sent");
        assertThat(forwarder(db).forward(call("s-unknown")).failure()).contains("s-unknown is unknown");
        assertThat(upstream.received()).isEmpty();
    }

    @Test
    void anUnknownMaskingProfileStopsTheCallBeforeItIsSent(Database db) {
        GatedCall plain = call(null);
        ApprovalPolicy policy = plain.policy();
        GatedCall masked = new GatedCall(plain.approvalId(), plain.callKey(), plain.recordingSessionId(), null, plain.jsonRpcId(),
                plain.requester(), plain.upstream(), plain.method(), plain.target(), plain.request(), plain.argsDigest(),
                plain.argsPreview(), new ApprovalPolicy(policy.rule(), policy.policyVersion(), policy.approvers(), policy.required(),
                policy.timeout(), null, List.of(), policy.groups(), "strict", ""), plain.forwardTimeout());

        assertThat(forwarder(db).forward(masked).failure()).startsWith("unknown masking profile 'strict'").endsWith("was not sent");
        assertThat(upstream.received()).isEmpty();
    }
}
