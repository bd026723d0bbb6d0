package dev.gatehouse.broker.ui;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.broker.dev.DemoUpstream;
import dev.gatehouse.broker.testing.Browser;
import dev.gatehouse.broker.testing.GatehouseApi;
import dev.gatehouse.broker.testing.HeldCall;
import dev.gatehouse.broker.testing.RawMcp;
import dev.gatehouse.broker.testing.TestStack;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The web UI in a real browser (headless Chromium) against the whole broker on loopback: signing in
 * through the dev issuer's page, a gated call arriving live in the inbox and approved or denied there
 * while its caller waits, a link from Slack or e-mail landing on the approval, an auditor stepping
 * through a session's replay, and the refusals (no role, no CSRF token). The screenshots it takes
 * are the README's pictures.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class WebUiBrowserTest {

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
                approvers:
                  dba: { members: [alice@example.com, bob@example.com] }
                roles: { auditors: [security], admins: [platform] }
                policies:
                  - name: deleting customers needs a DBA
                    upstream: crm
                    tools: ["delete_*"]
                    action: approve
                    reason: deleting a customer erases their data for good
                    approval: { approvers: [dba], timeout: 30m }
                  - name: reads flow freely
                    upstream: crm
                    tools: ["search_*", "get_*"]
                    action: allow
                    mask: default
                  - name: everything else
                    action: deny
                    reason: no policy allows this call
                """.formatted(upstream.url()));
        api = GatehouseApi.of(stack, "security");
    }

    @AfterAll
    void stop() {
        stack.close();
        upstream.close();
    }

    /** A new browser that opens {@code path}, is asked to sign in, and picks {@code user} on the dev issuer's page. */
    private Browser signedIn(String user, String path) {
        return signedIn(user, path, 1280, 900);
    }

    private Browser signedIn(String user, String path, int width, int height) {
        Browser browser = Browser.open(stack.baseUrl(), width, height);
        try {
            browser.go(path);
            browser.visible("#sign-in").click();
            browser.visible("button[data-user='" + user + "']").click();
            browser.until(d -> browser.location().equals(path));
            browser.visible("#whoami");
            return browser;
        } catch (RuntimeException e) {
            browser.close();
            throw e;
        }
    }

    private static String card(String approvalId) {
        return "article.approval[data-approval-id='" + approvalId + "']";
    }

    @Test
    void approverSeesAGatedCallArriveLiveApprovesItAndTheCallCompletes() throws Exception {
        try (Browser alice = signedIn("alice", "/ui/approvals")) {
            alice.textIn("#live-status", "Live");
            // Marks this page load: if the card shows up after a reload, the marker is gone.
            alice.driver().executeScript("window.gatehouseTestMarker = 'same page';");

            HeldCall held = HeldCall.start(stack, api, "agent-approve", "crm", "delete_customer",
                    "{\"id\":\"c-1001\",\"contact\":\"ada@example.com\",\"card\":\"4111 1111 1111 1111\"}", PATIENCE);
            WebElement card = alice.visible(card(held.approvalId()));

            assertThat(alice.driver().executeScript("return window.gatehouseTestMarker;")).isEqualTo("same page");
            assertThat(card.getText()).contains("agent-approve", "crm", "delete_customer", "deleting customers needs a DBA",
                    "deleting a customer erases their data for good", "0 of 1");
            assertThat(card.getText()).doesNotContain("ada@example.com", "4111 1111 1111 1111");
            alice.screenshot("ui-inbox");
            assertThat(held.call().isDone()).as("the caller still waits").isFalse();

            card.findElement(By.cssSelector("textarea.reason")).sendKeys("ticket 4711");
            card.findElement(By.cssSelector("button.approve")).click();

            alice.textIn(card(held.approvalId()) + " .decision-result", "Approved");
            JsonNode answer = held.answer();
            assertThat(answer.path("result").path("content").toString()).contains("deleted");
            JsonNode approval = api.decidedApproval("auditor", held.approvalId());
            assertThat(approval.path("status").asText()).isEqualTo("approved");
            assertThat(approval.path("decisions").get(0).path("reason").asText()).isEqualTo("ticket 4711");
        }
    }

    @Test
    void approverDeniesAnotherWithAReasonTheCallerIsTold() throws Exception {
        try (Browser bob = signedIn("bob", "/ui/approvals")) {
            HeldCall held = HeldCall.start(stack, api, "agent-deny", "crm", "delete_customer", "{\"id\":\"c-1002\"}", PATIENCE);
            WebElement card = bob.visible(card(held.approvalId()));

            card.findElement(By.cssSelector("textarea.reason")).sendKeys("not during the migration freeze");
            card.findElement(By.cssSelector("button.deny")).click();

            bob.textIn(card(held.approvalId()) + " .decision-result", "Denied");
            JsonNode error = held.answer().path("error");
            assertThat(error.path("message").asText()).contains("not during the migration freeze", "bob@example.com");
            assertThat(api.get("auditor", "/api/approvals/" + held.approvalId()).path("status").asText()).isEqualTo("denied");
        }
    }

    @Test
    void aLinkFromSlackOrEmailLandsOnTheApprovalAfterSigningIn() throws Exception {
        HeldCall held = HeldCall.start(stack, api, "agent-link", "crm", "delete_customer", "{\"id\":\"c-1003\"}", PATIENCE);
        String link = "/ui/approvals/" + held.approvalId();

        // On a phone: approvers decide from wherever the Slack message or e-mail finds them.
        try (Browser alice = signedIn("alice", link, 390, 844)) {
            WebElement card = alice.visible(card(held.approvalId()));
            assertThat(card.findElement(By.cssSelector("button.approve")).isEnabled()).isTrue();
            alice.screenshot("ui-approval-phone");
            card.findElement(By.cssSelector("button.approve")).click();
            alice.textIn(card(held.approvalId()) + " .decision-result", "Approved");
        }
        assertThat(held.answer().path("result").path("content").toString()).contains("deleted");
    }

    @Test
    void theLoserOfARaceIsToldWhoDecided() throws Exception {
        HeldCall held = HeldCall.start(stack, api, "agent-race", "crm", "delete_customer", "{\"id\":\"c-1004\"}", PATIENCE);
        try (Browser alice = signedIn("alice", "/ui/approvals/" + held.approvalId())) {
            // Alice's page must not hear of bob's decision before she clicks: without its live stream, it cannot.
            alice.blockRequests("*/api/approvals/events*");
            alice.driver().navigate().refresh();
            WebElement card = alice.visible(card(held.approvalId()));
            alice.textIn("#live-status", "Offline");
            assertThat(api.decide("bob", held.approvalId(), "approve", "mine").statusCode()).isEqualTo(200);

            card.findElement(By.cssSelector("button.approve")).click();

            alice.textIn(card(held.approvalId()) + " .decision-result", "already approved by bob@example.com");
        }
        held.answer();
    }

    @Test
    void auditorOpensASessionAndStepsThroughItsReplay() {
        RawMcp client = stack.raw("crm").bearer(stack.token("agent-replay", "agents"));
        String session = client.initialize();
        RawMcp mcp = client.with("Mcp-Session-Id", session).with("MCP-Protocol-Version", "2025-11-25");
        mcp.post("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
        mcp.post("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"search_customers\",\"arguments\":{\"query\":\"a\"}}}");
        mcp.post("{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":\"drop_database\",\"arguments\":{}}}");

        try (Browser auditor = signedIn("auditor-security", "/ui/sessions?caller=agent-replay", 1280, 1300)) {
            WebElement row = auditor.visible("#sessions tr[data-session-id] a.open-session");
            auditor.screenshot("ui-sessions");
            row.click();

            auditor.textIn("#verify-status", "intact");
            auditor.textIn("#position", "Event 1 of");
            auditor.visible("#step-forward").click();
            auditor.visible("#step-forward").click();
            auditor.textIn("#position", "Event 3 of");
            assertThat(auditor.visible("#timeline li.event[aria-current='step']").getAttribute("data-seq")).isEqualTo("3");
            assertThat(auditor.driver().findElement(By.cssSelector("#timeline")).getText())
                    .contains("search_customers", "drop_database", "everything else");
            auditor.visible("#step-back").click();
            auditor.textIn("#position", "Event 2 of");
            assertThat(auditor.visible("#export").getAttribute("href")).endsWith("/export");
            // Step to the search's answer so the picture shows a payload opened.
            for (int i = 0; i < 4; i++) {
                auditor.visible("#step-forward").click();
            }
            auditor.screenshot("ui-replay");
        }
    }

    @Test
    void aPersonWithoutTheRoleIsRefused() {
        try (Browser visitor = signedIn("visitor", "/ui/sessions")) {
            visitor.textIn("#notice", "auditor role");
            assertThat(visitor.all("#sessions tr[data-session-id]")).isEmpty();
            visitor.go("/ui/config");
            visitor.textIn("#notice", "admin role");
        }
    }

    @Test
    void aPostWithoutTheCsrfTokenIsRefusedAndDecidesNothing() throws Exception {
        HeldCall held = HeldCall.start(stack, api, "agent-csrf", "crm", "delete_customer", "{\"id\":\"c-1005\"}", PATIENCE);
        try (Browser alice = signedIn("alice", "/ui/approvals")) {
            Object status = alice.async("""
                    const done = arguments[arguments.length - 1];
                    fetch('/api/approvals/' + arguments[0] + '/decision', {method: 'POST', credentials: 'same-origin',
                        headers: {'Content-Type': 'application/json'}, body: JSON.stringify({decision: 'approve'})})
                      .then(r => r.json().then(body => done(r.status + ' ' + body.message)))
                      .catch(e => done('failed ' + e));""", held.approvalId());

            assertThat(String.valueOf(status)).startsWith("403").contains("CSRF token");
            assertThat(api.get("auditor", "/api/approvals/" + held.approvalId()).path("status").asText()).isEqualTo("pending");
            assertThat(held.call().isDone()).isFalse();
        }
        assertThat(api.decide("alice", held.approvalId(), "deny", "cleaning up").statusCode()).isEqualTo(200);
        assertThat(held.answer().path("error").path("message").asText()).contains("cleaning up");
    }

    @Test
    void adminSeesTheOverviewAndTheConfigurationWithoutSecrets() {
        try (Browser admin = signedIn("admin-platform", "/ui/overview")) {
            admin.textIn("main", "deleting customers needs a DBA");
            admin.textIn("main", "crm");
            admin.screenshot("ui-overview");
            admin.go("/ui/config");
            admin.textIn("main", "upstreams");
            assertThat(admin.driver().findElement(By.tagName("main")).getText()).contains("(hidden)")
                    .doesNotContain(stack.dev().payloadKey());
        }
    }
}
