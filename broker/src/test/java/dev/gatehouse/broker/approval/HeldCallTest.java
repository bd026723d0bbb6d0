package dev.gatehouse.broker.approval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.broker.dev.DemoUpstream;
import dev.gatehouse.broker.testing.GatehouseApi;
import dev.gatehouse.broker.testing.Poll;
import dev.gatehouse.broker.testing.RawMcp;
import dev.gatehouse.broker.testing.RecordingUpstream;
import dev.gatehouse.broker.testing.TestStack;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Approval-gated calls held by the real dev stack (embedded PostgreSQL and Temporal) in front of a
 * real MCP upstream (the demo CRM): cancellation by the caller, the cap on a caller's waiting approvals, and
 * who may see and decide what through the decisions API.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HeldCallTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration PATIENCE = Duration.ofSeconds(20);

    private DemoUpstream upstream;
    private RecordingUpstream recording;
    private TestStack stack;
    private GatehouseApi api;

    @BeforeAll
    void start() {
        upstream = DemoUpstream.start(0);
        recording = RecordingUpstream.start();
        stack = TestStack.start("""
                upstreams:
                  - name: crm
                    url: %s
                  - name: rec
                    url: %s
                approvers:
                  dba: { members: [alice@example.com, bob@example.com] }
                  leads: { members: [lead@example.com] }
                gatedCalls: { maxPendingPerCaller: 2 }
                roles: { auditors: [security] }
                policies:
                  - name: deletes need a DBA
                    upstream: crm
                    tools: ["delete_*"]
                    action: approve
                    approval: { approvers: [dba], timeout: 10m }
                  - name: recorded echoes need a DBA
                    upstream: rec
                    tools: ["echo"]
                    action: approve
                    approval: { approvers: [dba], timeout: 10m }
                  - name: the rest flows
                    action: allow
                """.formatted(upstream.url(), recording.url()));
        api = new GatehouseApi(stack.baseUrl(), who -> who.equals("auditor") ? token("auditor", "security") : token(who));
    }

    @AfterAll
    void stop() {
        stack.close();
        upstream.close();
        recording.close();
    }

    @Test
    void theApprovedCallJoinsTheCallersTraceAsAnAllowedCallDoes() throws Exception {
        String traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        ch.qos.logback.classic.Logger logger = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(GatedCalls.class);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> lines = new ch.qos.logback.core.read.ListAppender<>();
        lines.start();
        logger.addAppender(lines);
        RawMcp agent = stack.raw("rec").bearer(token("agent-traced")).with("MCP-Protocol-Version", "2026-07-28")
                .with("Mcp-Method", "tools/call").with("Mcp-Name", "echo").with("traceparent", traceparent).with("tracestate", "vendor=opaque");
        CompletableFuture<HttpResponse<String>> held = agent.postAsync(call("t1", "echo", "{\"text\":\"hi\"}"));
        String id = awaitPending("agent-traced").path("id").asText();

        assertThat(api.send("alice", "POST", "/api/approvals/" + id + "/decision", "{\"decision\":\"approve\"}").statusCode())
                .isEqualTo(200);
        assertThat(RawMcp.message(held.get(30, TimeUnit.SECONDS)).has("result")).isTrue();

        // Forwarded by the workflow's activity, long after the caller's request was read: the trace still joins.
        RecordingUpstream.Received forwarded = recording.received().stream()
                .filter(r -> r.body().contains("\"t1\"")).findFirst().orElseThrow();
        assertThat(forwarded.headers()).containsEntry("traceparent", traceparent).containsEntry("tracestate", "vendor=opaque");
        // The broker's own log lines about the call name its trace too.
        logger.detachAppender(lines);
        assertThat(lines.list).filteredOn(e -> e.getFormattedMessage().contains("needs approval"))
                .isNotEmpty().allSatisfy(e -> assertThat(e.getMDCPropertyMap()).containsEntry("traceId", "4bf92f3577b34da6a3ce929d0e0e4736"));
    }

    @Test
    void cancelsTheApprovalWhenTheCallerCancelsTheRequest() throws Exception {
        RawMcp agent = session("agent-cancel");
        CompletableFuture<HttpResponse<String>> held = agent.postAsync(call("c1", "delete_customer", "{\"id\":\"x-1\"}"));
        JsonNode pending = awaitPending("agent-cancel");

        HttpResponse<String> cancel = agent.post("""
                {"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"c1","reason":"changed my mind"}}""");
        assertThat(cancel.statusCode()).isEqualTo(202);

        HttpResponse<String> ended = held.get(30, TimeUnit.SECONDS);
        assertThat(ended.statusCode()).isEqualTo(200);
        // MCP: no response follows a cancelled request; the stream just ends.
        assertThat(ended.body()).doesNotContain("\"id\":\"c1\"");
        assertThat(awaitStatus(pending.path("id").asText(), "cancelled").path("outcomeReason").asText()).contains("cancelled");
    }

    @Test
    void refusesCallsBeyondTheCallersPendingCapNamingTheLimit() throws Exception {
        RawMcp agent = session("agent-flood");
        CompletableFuture<HttpResponse<String>> first = agent.postAsync(call("f1", "delete_customer", "{\"id\":\"f-1\"}"));
        CompletableFuture<HttpResponse<String>> second = agent.postAsync(call("f2", "delete_customer", "{\"id\":\"f-2\"}"));
        awaitPendingCount("agent-flood", 2);

        HttpResponse<String> third = agent.post(call("f3", "delete_customer", "{\"id\":\"f-3\"}"));

        assertThat(third.statusCode()).isEqualTo(429);
        JsonNode error = RawMcp.message(third).path("error");
        assertThat(error.path("code").asInt()).isEqualTo(-32044);
        assertThat(error.path("message").asText()).contains("2 approvals waiting").contains("gatedCalls.maxPendingPerCaller = 2");
        assertThat(error.path("data").path("limit").asInt()).isEqualTo(2);
        first.cancel(true);
        second.cancel(true);
    }

    @Test
    void showsApprovalsOnlyToThoseWhoMayDecideOrAuditThem() throws Exception {
        RawMcp agent = session("agent-visible");
        CompletableFuture<HttpResponse<String>> held = agent.postAsync(call("v1", "delete_customer",
                "{\"id\":\"v-1\",\"contact\":\"jane.doe@example.org\"}"));
        JsonNode pending = awaitPending("agent-visible");
        String id = pending.path("id").asText();

        assertThat(pending.path("argsPreview").toString()).doesNotContain("jane.doe@example.org");
        assertThat(pending.path("eligibleGroups").toString()).isEqualTo("[\"dba\"]");
        assertThat(pending.path("policy").asText()).isEqualTo("deletes need a DBA");
        assertThat(api.send("lead", "GET", "/api/approvals?status=pending", null).body()).doesNotContain(id);
        assertThat(api.send("lead", "GET", "/api/approvals/" + id, null).statusCode()).isEqualTo(404);
        assertThat(api.send("auditor", "GET", "/api/approvals/" + id, null).statusCode()).isEqualTo(200);
        assertThat(api.send("agent-visible", "GET", "/api/approvals/" + id, null).statusCode()).isEqualTo(200);
        assertThat(api.send("alice", "GET", "/api/approvals?status=later", null).statusCode()).isEqualTo(400);

        HttpResponse<String> nonsense = api.send("alice", "POST", "/api/approvals/" + id + "/decision", "{\"decision\":\"maybe\"}");
        assertThat(nonsense.statusCode()).isEqualTo(400);
        assertThat(nonsense.body()).contains("\\\"approve\\\" or \\\"deny\\\"");
        assertThat(api.send("lead", "POST", "/api/approvals/" + id + "/decision", "{\"decision\":\"approve\"}").statusCode())
                .as("a lead is in no group that may decide").isEqualTo(404);

        HttpResponse<String> denied = api.send("bob", "POST", "/api/approvals/" + id + "/decision",
                "{\"decision\":\"deny\",\"reason\":\"not during the freeze\"}");
        assertThat(denied.statusCode()).as(denied.body()).isEqualTo(200);
        assertThat(JSON.readTree(denied.body()).path("status").asText()).isEqualTo("denied");

        JsonNode answer = RawMcp.message(held.get(30, TimeUnit.SECONDS)).path("error");
        assertThat(answer.path("code").asInt()).isEqualTo(-32040);
        assertThat(answer.path("message").asText()).contains("bob@example.com").contains("not during the freeze");

        HttpResponse<String> late = api.send("alice", "POST", "/api/approvals/" + id + "/decision", "{\"decision\":\"approve\"}");
        assertThat(late.statusCode()).isEqualTo(409);
        assertThat(late.body()).contains("already denied by bob@example.com");
    }

    private RawMcp session(String subject) {
        RawMcp raw = stack.raw("crm").bearer(token(subject));
        String id = raw.initialize();
        return raw.with("Mcp-Session-Id", id).with("MCP-Protocol-Version", "2025-11-25");
    }

    private String token(String subject, String... groups) {
        return stack.token(subject, groups.length == 0 ? new String[] {"agents"} : groups);
    }

    private static String call(String id, String tool, String arguments) {
        return """
                {"jsonrpc":"2.0","id":"%s","method":"tools/call","params":{"name":"%s","arguments":%s}}""".formatted(id, tool, arguments);
    }

    private JsonNode awaitPending(String requester) {
        return awaitPendingCount(requester, 1);
    }

    /** Polls the API as an auditor until {@code requester} has {@code count} pending approvals; returns the newest. */
    private JsonNode awaitPendingCount(String requester, int count) {
        return Poll.until(count + " pending approvals of " + requester, PATIENCE, () -> {
            List<JsonNode> mine = api.approvals("auditor", "status=pending").stream()
                    .filter(a -> a.path("requester").path("subject").asText().equals(requester))
                    .toList();
            return mine.size() >= count ? Optional.of(mine.getFirst()) : Optional.empty();
        });
    }

    private JsonNode awaitStatus(String approvalId, String status) {
        return Poll.until("approval " + approvalId + " to become " + status, PATIENCE, () ->
                Optional.of(api.get("auditor", "/api/approvals/" + approvalId))
                        .filter(approval -> approval.path("status").asText().equals(status)));
    }
}
