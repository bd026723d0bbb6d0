package dev.gatehouse.broker.metrics;

import dev.gatehouse.broker.dev.DemoUpstream;
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

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code GET /metrics} of the whole dev stack after real traffic: requests by upstream, method and
 * outcome, the policy's decisions by rule, masking counts, upstream errors, approvals and the audit
 * writer; and that nothing a caller sends becomes a label or leaks into the page. Also the request
 * id every response carries.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class MetricsTest {

    private static final Duration PATIENCE = Duration.ofSeconds(20);

    private DemoUpstream upstream;
    private TestStack stack;
    private GatehouseApi api;

    @BeforeAll
    void start() {
        upstream = DemoUpstream.start(0);
        stack = TestStack.start("""
                upstreams:
                  - name: crm
                    url: %s
                    headers: { X-Api-Key: "metrics-secret-key" }
                  - name: gone
                    url: http://127.0.0.1:9/mcp
                    connectTimeout: 1s
                approvers:
                  dba: { members: [alice@example.com] }
                roles: { auditors: [security] }
                policies:
                  - name: deletes need a DBA
                    upstream: crm
                    tools: ["delete_*"]
                    action: approve
                    approval: { approvers: [dba], timeout: 10m }
                  - name: reads flow
                    tools: ["get_*", "search_*"]
                    action: allow
                  - name: nothing else
                    action: deny
                    reason: not on the list
                """.formatted(upstream.url()));
        api = GatehouseApi.of(stack, "security");
    }

    @AfterAll
    void stop() {
        stack.close();
        upstream.close();
    }

    @Test
    void countsRequestsDecisionsMaskingErrorsAndApprovals() throws Exception {
        String token = stack.token("agent-metrics", "agents");
        RawMcp client = stack.raw("crm").bearer(token);
        RawMcp mcp = client.with("Mcp-Session-Id", client.initialize()).with("MCP-Protocol-Version", "2025-11-25");
        mcp.post("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"get_customer_profile\",\"arguments\":{\"id\":\"c-1001\"}}}");
        mcp.post("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"drop_everything\",\"arguments\":{}}}");
        mcp.post("{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"made/up-by-the-caller\",\"params\":{}}");
        stack.raw("gone").bearer(token).post("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"get_x\",\"arguments\":{}}}");
        new RawMcp(URI.create(stack.baseUrl() + "/mcp/caller-chosen-name")).bearer(token)
                .post("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}");
        HeldCall held = HeldCall.start(stack, api, "agent-metrics-gated", "crm", "delete_customer", "{\"id\":\"c-1002\"}", PATIENCE);
        String whileHeld = scrape();
        assertThat(value(whileHeld, "gatehouse_held_calls")).isEqualTo(1.0);
        assertThat(api.decide("alice", held.approvalId(), "approve", "ok").statusCode()).isEqualTo(200);
        held.answer();

        String page = Poll.until("the gated call's metrics", PATIENCE, () -> {
            String now = scrape();
            return now.contains("gatehouse_approval_decision_latency_seconds_count{channel=\"api\",verdict=\"approve\"}")
                    ? Optional.of(now) : Optional.empty();
        });

        assertThat(value(page, "gatehouse_mcp_requests_seconds_count{method=\"tools/call\",outcome=\"ok\",upstream=\"crm\"}"))
                .isGreaterThanOrEqualTo(2.0);
        assertThat(value(page, "gatehouse_mcp_requests_seconds_count{method=\"tools/call\",outcome=\"policy_denied\",upstream=\"crm\"}"))
                .isEqualTo(1.0);
        assertThat(value(page, "gatehouse_upstream_errors_total{reason=\"upstream_unreachable\",upstream=\"gone\"}")).isEqualTo(1.0);
        assertThat(value(page, "gatehouse_policy_decisions_total{outcome=\"denied\",rule=\"nothing else\"}")).isEqualTo(1.0);
        assertThat(value(page, "gatehouse_policy_decisions_total{outcome=\"approval-required\",rule=\"deletes need a DBA\"}"))
                .isEqualTo(1.0);
        assertThat(value(page, "gatehouse_masking_masked_values_total{detector=\"email\"}")).isGreaterThanOrEqualTo(1.0);
        assertThat(value(page, "gatehouse_audit_committed_events_total")).isGreaterThan(10.0);
        assertThat(value(page, "gatehouse_audit_available")).isEqualTo(1.0);
        assertThat(page).contains("gatehouse_approvals_pending", "gatehouse_audit_commit_seconds_bucket", "jvm_memory_used_bytes");
        // What callers choose never becomes a label; what the broker keeps secret never appears.
        assertThat(page).contains("method=\"other\"", "upstream=\"unknown\"")
                .doesNotContain("made/up-by-the-caller", "caller-chosen-name", "metrics-secret-key", token, "c-1001");
    }

    @Test
    void everyResponseCarriesARequestIdKeepingAPlainOneTheCallerSent() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        URI healthz = URI.create(stack.baseUrl() + "/healthz");

        String kept = http.send(HttpRequest.newBuilder(healthz).header("X-Request-Id", "lb-7f3a.42").GET().build(),
                HttpResponse.BodyHandlers.discarding()).headers().firstValue("X-Request-Id").orElseThrow();
        String replaced = http.send(HttpRequest.newBuilder(healthz).header("X-Request-Id", "x".repeat(65)).GET().build(),
                HttpResponse.BodyHandlers.discarding()).headers().firstValue("X-Request-Id").orElseThrow();
        String minted = http.send(HttpRequest.newBuilder(healthz).GET().build(), HttpResponse.BodyHandlers.discarding())
                .headers().firstValue("X-Request-Id").orElseThrow();

        assertThat(kept).isEqualTo("lb-7f3a.42");
        assertThat(replaced).matches("[0-9a-f-]{36}");
        assertThat(minted).matches("[0-9a-f-]{36}").isNotEqualTo(replaced);
    }

    private String scrape() {
        try {
            HttpResponse<String> response = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create(stack.baseUrl() + "/metrics")).GET().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/plain; version=0.0.4");
            return response.body();
        } catch (Exception e) {
            throw new IllegalStateException("GET /metrics failed", e);
        }
    }

    private static double value(String page, String series) {
        Matcher m = Pattern.compile("^" + Pattern.quote(series) + " (\\S+)$", Pattern.MULTILINE).matcher(page);
        assertThat(m.find()).as("series %s in%n%s", series, page.lines().filter(l -> l.startsWith("gatehouse_")).toList()).isTrue();
        return Double.parseDouble(m.group(1));
    }
}
