package dev.gatehouse.broker.faults;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.broker.dev.DemoUpstream;
import dev.gatehouse.broker.testing.DyingUpstream;
import dev.gatehouse.broker.testing.DyingUpstream.Answers;
import dev.gatehouse.broker.testing.GatehouseApi;
import dev.gatehouse.broker.testing.HeldCall;
import dev.gatehouse.broker.testing.Poll;
import dev.gatehouse.broker.testing.RawMcp;
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
 * An upstream killed while it streams its answer to a {@code tools/call} (its progress notification
 * relayed, its result never sent, its connections reset): the caller is told so in a JSON-RPC error on
 * the stream instead of a stream that just stops, the session's record holds the request, the progress
 * and the error and its chain verifies, other upstreams are served meanwhile, and once the upstream is
 * back the next call through the same broker and session works. An approved call whose upstream dies
 * mid-answer is answered -32042 and is not run again, not by the broker and not by the caller's retry.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class UpstreamKilledMidStreamTest {

    private static final Duration PATIENCE = Duration.ofSeconds(30);

    private DyingUpstream files;
    private DyingUpstream vault;
    private DemoUpstream crm;
    private TestStack stack;
    private GatehouseApi api;

    @BeforeAll
    void start() {
        files = DyingUpstream.start(Answers.UNTIL_KILLED);
        vault = DyingUpstream.start(Answers.UNTIL_KILLED);
        crm = DemoUpstream.start(0);
        stack = TestStack.start("""
                upstreams:
                  - name: files
                    url: %s
                  - name: vault
                    url: %s
                  - name: crm
                    url: %s
                approvers:
                  custodians: { members: [alice@example.com] }
                roles: { auditors: [security] }
                policies:
                  - name: vault exports need a custodian
                    upstream: vault
                    action: approve
                    approval: { approvers: [custodians], timeout: 10m }
                  - name: the rest flows
                    action: allow
                """.formatted(files.url(), vault.url(), crm.url()));
        api = GatehouseApi.of(stack, "security");
    }

    @AfterAll
    void stop() {
        stack.close();
        crm.close();
        vault.close();
        files.close();
    }

    @Test
    void callerIsToldTheUpstreamBrokeOffAndTheNextCallWorksOnceItIsBack() throws Exception {
        RawMcp files = session("files", "agent-export");
        CompletableFuture<HttpResponse<String>> call = files.postAsync(export("e1", "report-1"));
        Poll.until("the upstream to be mid-answer", PATIENCE, () -> Optional.of(this.files.midAnswer()).filter(n -> n == 1));

        // A stream stuck at one upstream holds up nobody else.
        assertThat(RawMcp.message(session("crm", "agent-other").post(search("s1"))).has("result")).isTrue();

        this.files.kill();
        HttpResponse<String> broken = call.get(30, TimeUnit.SECONDS);

        assertThat(broken.statusCode()).as("the stream had begun").isEqualTo(200);
        assertThat(broken.body()).as("the progress the upstream sent before dying reached the caller").contains("exporting report-1");
        JsonNode error = RawMcp.message(broken);
        assertThat(error.path("id").asText()).as(broken.body()).isEqualTo("e1");
        assertThat(error.path("error").path("code").asInt()).as(broken.body()).isEqualTo(-32030);
        assertThat(error.path("error").path("message").asText()).contains("'files'").contains("broke off");
        assertThat(error.path("error").path("data").path("upstream").asText()).isEqualTo("files");

        // While it is down, a call is refused at once and clearly: nothing listens on its port.
        long before = System.nanoTime();
        HttpResponse<String> refused = files.post(export("e2", "report-2"));
        assertThat(Duration.ofNanos(System.nanoTime() - before)).isLessThan(Duration.ofSeconds(10));
        assertThat(refused.statusCode()).isEqualTo(502);
        assertThat(RawMcp.message(refused).path("error").path("code").asInt()).isEqualTo(-32030);
        assertThat(RawMcp.message(refused).path("error").path("message").asText()).contains("'files'").contains("connection refused");
        assertThat(this.files.runs("report-2")).isZero();

        this.files.restart(Answers.IN_FULL);
        JsonNode answer = RawMcp.message(files.post(export("e3", "report-3")));
        assertThat(answer.path("result").path("content").path(0).path("text").asText()).as(answer.toString())
                .isEqualTo("exported report-3");
        assertThat(this.files.runs("report-1")).as("the broken call is not retried").isEqualTo(1);

        List<JsonNode> events = api.events("auditor", files.sessionId());
        assertThat(events).as("the request, as it arrived").anyMatch(e -> e.path("direction").asText().equals("client")
                && e.path("jsonrpcId").asText().equals("\"e1\""));
        assertThat(events).as("the progress the upstream sent").anyMatch(e -> e.path("direction").asText().equals("upstream")
                && e.path("method").asText().equals("notifications/progress")
                && e.path("payload").toString().contains("exporting report-1"));
        assertThat(events).as("the broker's error, as the caller got it").anyMatch(e -> e.path("kind").asText().equals("refusal")
                && e.path("jsonrpcId").asText().equals("\"e1\"") && e.path("outcome").asText().equals("error")
                && e.path("payload").path("error").path("code").asInt() == -32030);
        assertThat(events).as("the answer after the restart").anyMatch(e -> e.path("direction").asText().equals("upstream")
                && e.path("jsonrpcId").asText().equals("\"e3\""));
        assertThat(api.get("auditor", "/api/sessions/" + files.sessionId() + "/verify").path("intact").asBoolean()).isTrue();
    }

    @Test
    void approvedCallWhoseUpstreamDiesMidAnswerFailsOnceAndIsNotRunAgain() throws Exception {
        HeldCall held = HeldCall.start(stack, api, "agent-vault", "vault", "export", "{\"id\":\"secret-1\"}", PATIENCE);
        HttpResponse<String> approved = api.decide("alice", held.approvalId(), "approve", "once");
        assertThat(approved.statusCode()).as(approved.body()).isEqualTo(200);
        Poll.until("the approved call to be mid-answer", PATIENCE, () -> Optional.of(vault.midAnswer()).filter(n -> n == 1));

        vault.kill();
        JsonNode failed = held.answer();

        assertThat(failed.path("error").path("code").asInt()).as(failed.toString()).isEqualTo(-32042);
        assertThat(failed.path("error").path("message").asText()).contains("was approved").contains("'vault' broke off its answer")
                .contains("may have run");
        assertThat(failed.path("error").path("data").path("approvalId").asText()).isEqualTo(held.approvalId());

        vault.restart(Answers.IN_FULL);
        // The caller retries the very call: it gets the recorded failure, not a second run.
        RawMcp retry = session("vault", "agent-vault");
        JsonNode again = RawMcp.message(retry.post("""
                {"jsonrpc":"2.0","id":"r1","method":"tools/call","params":{"name":"export","arguments":{"id":"secret-1"}}}"""));
        assertThat(again.path("error").path("code").asInt()).as(again.toString()).isEqualTo(-32042);
        assertThat(again.path("error").path("data").path("approvalId").asText()).isEqualTo(held.approvalId());
        assertThat(vault.runs("secret-1")).as("the approved call ran once").isEqualTo(1);

        JsonNode approval = api.get("auditor", "/api/approvals/" + held.approvalId());
        assertThat(approval.path("status").asText()).as(approval.toString()).isEqualTo("approved");
    }

    private RawMcp session(String upstream, String agent) {
        RawMcp raw = stack.raw(upstream).bearer(stack.token(agent, "agents"));
        return raw.with("Mcp-Session-Id", raw.initialize()).with("MCP-Protocol-Version", "2025-11-25");
    }

    private static String export(String requestId, String fileId) {
        return """
                {"jsonrpc":"2.0","id":"%s","method":"tools/call","params":{"name":"export","arguments":{"id":"%s"},
                 "_meta":{"progressToken":"%s"}}}""".formatted(requestId, fileId, requestId);
    }

    private static String search(String requestId) {
        return """
                {"jsonrpc":"2.0","id":"%s","method":"tools/call","params":{"name":"search_customers","arguments":{"query":"ada"}}}"""
                .formatted(requestId);
    }
}
