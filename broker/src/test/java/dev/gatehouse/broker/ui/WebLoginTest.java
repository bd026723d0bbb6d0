package dev.gatehouse.broker.ui;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.broker.dev.DemoUpstream;
import dev.gatehouse.broker.testing.GatehouseApi;
import dev.gatehouse.broker.testing.HeldCall;
import dev.gatehouse.broker.testing.Poll;
import dev.gatehouse.broker.testing.TestStack;
import dev.gatehouse.broker.testing.WebSignIn;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Signing in to the web UI through the dev issuer (authorization code + PKCE, as with any OIDC
 * IdP) and what a sign-in may do with the JSON API: CSRF tokens on every change, roles from the
 * IdP's groups, signing out, the live approvals stream, the overview and the configuration view.
 * The whole dev stack on loopback, HTTP redirect by redirect.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class WebLoginTest {

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
                    headers: { X-Api-Key: "s3cret-upstream-key" }
                approvers:
                  dba: { members: [alice@example.com] }
                roles: { auditors: [security], admins: [platform] }
                policies:
                  - name: deletes need a DBA
                    upstream: crm
                    tools: ["delete_*"]
                    action: approve
                    reason: deleting customer data cannot be undone
                    approval: { approvers: [dba], timeout: 10m }
                  - name: searches flow
                    tools: ["search_*"]
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

    private WebSignIn browser() {
        return new WebSignIn(stack.baseUrl());
    }

    @Test
    void signsInWithAuthorizationCodeAndPkceIntoAHardenedCookie() {
        WebSignIn alice = browser();
        URI authorization = alice.startLogin("/ui/approvals/apr-123");

        assertThat(authorization.toString()).startsWith(stack.baseUrl() + "/dev/authorize?")
                .contains("response_type=code", "client_id=gatehouse-ui", "code_challenge_method=S256", "code_challenge=",
                        "nonce=", "state=", "redirect_uri=" + java.net.URLEncoder.encode(stack.baseUrl() + "/ui/callback",
                                StandardCharsets.UTF_8));
        HttpResponse<String> landed = alice.callback(alice.pick(authorization, "alice", "alice@example.com", ""));

        assertThat(landed.statusCode()).isEqualTo(303);
        assertThat(landed.headers().firstValue("Location")).contains("/ui/approvals/apr-123");
        assertThat(alice.setCookieHeader()).contains("HttpOnly", "SameSite=Lax", "Path=/").doesNotContain("Domain");
        JsonNode me = alice.me();
        assertThat(me.path("subject").asText()).isEqualTo("alice");
        assertThat(me.path("roles").path("approver").asBoolean()).isTrue();
        assertThat(me.path("roles").path("auditor").asBoolean()).isFalse();
        assertThat(me.path("approverGroups").toString()).isEqualTo("[\"dba\"]");
        assertThat(me.path("csrfToken").asText()).hasSizeGreaterThan(30);
    }

    @Test
    void refusesASignInCallbackCarriedToAnotherBrowser() {
        WebSignIn victim = browser();
        WebSignIn attacker = browser();
        URI callback = attacker.pick(attacker.startLogin("/ui/"), "mallory", "mallory@example.com", "");

        HttpResponse<String> carried = victim.callback(callback);

        assertThat(carried.statusCode()).isEqualTo(400);
        assertThat(carried.body()).contains("did not start in this browser");
        assertThat(victim.cookie()).isEmpty();
        assertThat(victim.api("GET", "/api/me", null, false).statusCode()).isEqualTo(401);
        // Refused without using it up: the browser that started the login still completes it.
        assertThat(attacker.callback(callback).statusCode()).isEqualTo(303);
    }

    @Test
    void showsOnlyTheIdpsErrorCodeNotTextFromTheLink() {
        WebSignIn browser = browser();
        String state = WebSignIn.query(browser.startLogin("/ui/")).get("state");

        HttpResponse<String> refused = browser.callback(URI.create(stack.baseUrl() + "/ui/callback?state=" + state
                + "&error=access_denied&error_description=Call+0800+to+unlock"));

        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(refused.body()).contains("access_denied").doesNotContain("0800");
        assertThat(browser.cookie()).isEmpty();
    }

    @Test
    void refusesASignInCallbackUsedTwiceAndSetsNoCookie() {
        WebSignIn first = browser();
        URI callback = first.pick(first.startLogin("/ui/"), "alice", "alice@example.com", "");
        assertThat(first.callback(callback).statusCode()).isEqualTo(303);

        WebSignIn replay = browser();
        replay.setCookie("gatehouse_login", WebSignIn.query(callback).get("state"));
        HttpResponse<String> again = replay.callback(callback);

        assertThat(again.statusCode()).isEqualTo(400);
        assertThat(again.body()).contains("unknown, was already used");
        assertThat(replay.cookie()).isEmpty();
        assertThat(replay.api("GET", "/api/me", null, false).statusCode()).isEqualTo(401);
    }

    @Test
    void devIssuerRefusesACodeWithTheWrongVerifierAndForeignRedirects() throws Exception {
        WebSignIn browser = browser();
        URI authorization = browser.startLogin("/ui/");
        URI callback = browser.pick(authorization, "mallory", "", "");
        String code = callback.getRawQuery().replaceAll(".*code=([^&]*).*", "$1");
        HttpClient http = HttpClient.newHttpClient();

        HttpResponse<String> token = http.send(HttpRequest.newBuilder(URI.create(stack.baseUrl() + "/dev/token"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("grant_type=authorization_code&client_id=gatehouse-ui&code=" + code
                        + "&redirect_uri=" + java.net.URLEncoder.encode(stack.baseUrl() + "/ui/callback", StandardCharsets.UTF_8)
                        + "&code_verifier=not-the-verifier")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(token.statusCode()).isEqualTo(400);
        assertThat(token.body()).contains("invalid_grant", "code_verifier does not match");

        String foreign = authorization.toString().replaceAll("redirect_uri=[^&]*", "redirect_uri=https%3A%2F%2Fevil.example%2Fcb");
        HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create(foreign)).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(page.statusCode()).isEqualTo(400);
        assertThat(page.body()).contains("redirect_uri must be " + stack.baseUrl() + "/ui/callback");
    }

    @Test
    void keepsWhereASignInLandsInsideTheUi() {
        assertThat(WebLogin.safeReturnTo("/ui/approvals/apr-1?x=1")).isEqualTo("/ui/approvals/apr-1?x=1");
        assertThat(WebLogin.safeReturnTo("https://evil.example/")).isEqualTo("/ui/");
        assertThat(WebLogin.safeReturnTo("//evil.example/ui/")).isEqualTo("/ui/");
        assertThat(WebLogin.safeReturnTo("/ui//evil.example")).isEqualTo("/ui/");
        assertThat(WebLogin.safeReturnTo("/ui\\evil")).isEqualTo("/ui/");
        assertThat(WebLogin.safeReturnTo("/uix")).isEqualTo("/ui/");
        assertThat(WebLogin.safeReturnTo(null)).isEqualTo("/ui/");
    }

    @Test
    void refusesADecisionWithoutTheCsrfTokenAndLosesNothing() throws Exception {
        WebSignIn alice = browser().signIn("alice", "alice@example.com", "");
        HeldCall held = HeldCall.start(stack, api, "agent-csrf", "crm", "delete_customer", "{\"id\":\"c-1001\"}", PATIENCE);
        String decision = "{\"decision\":\"approve\",\"reason\":\"ok\"}";

        HttpResponse<String> forged = alice.api("POST", "/api/approvals/" + held.approvalId() + "/decision", decision, false);

        assertThat(forged.statusCode()).isEqualTo(403);
        assertThat(WebSignIn.json(forged).path("message").asText()).contains("CSRF token", "X-CSRF-Token");
        assertThat(api.get("auditor", "/api/approvals/" + held.approvalId()).path("status").asText()).isEqualTo("pending");
        assertThat(held.call().isDone()).isFalse();

        HttpResponse<String> real = alice.api("POST", "/api/approvals/" + held.approvalId() + "/decision", decision, true);
        assertThat(real.statusCode()).as(real.body()).isEqualTo(200);
        assertThat(held.answer().path("result").path("content").toString()).contains("deleted");
    }

    @Test
    void showsApproversWhyTheRuleAsksAndWhetherTheyMayDecide() {
        WebSignIn alice = browser().signIn("alice", "alice@example.com", "");
        WebSignIn auditor = browser().signIn("sam", "sam@example.com", "security");
        HeldCall held = HeldCall.start(stack, api, "agent-why", "crm", "delete_customer", "{\"id\":\"c-1002\"}", PATIENCE);

        JsonNode seenByAlice = WebSignIn.json(alice.api("GET", "/api/approvals/" + held.approvalId(), null, false));
        JsonNode seenByAuditor = WebSignIn.json(auditor.api("GET", "/api/approvals/" + held.approvalId(), null, false));

        assertThat(seenByAlice.path("policyReason").asText()).isEqualTo("deleting customer data cannot be undone");
        assertThat(seenByAlice.path("workflowId").asText()).isEqualTo(held.approvalId());
        assertThat(seenByAlice.path("canDecide").asBoolean()).isTrue();
        assertThat(seenByAuditor.path("canDecide").asBoolean()).isFalse();
        held.call().cancel(true);
    }

    @Test
    void signingOutNeedsTheCsrfTokenAndEndsTheSession() {
        WebSignIn alice = browser().signIn("alice", "alice@example.com", "");

        assertThat(alice.api("POST", "/ui/logout", null, false).statusCode()).isEqualTo(403);
        assertThat(alice.api("GET", "/api/me", null, false).statusCode()).isEqualTo(200);

        HttpResponse<String> out = alice.api("POST", "/ui/logout", null, true);
        assertThat(out.statusCode()).isEqualTo(204);
        assertThat(out.headers().firstValue("Set-Cookie").orElseThrow()).contains("Max-Age=0");
        HttpResponse<String> after = alice.api("GET", "/api/me", null, false);
        assertThat(after.statusCode()).isEqualTo(401);
        assertThat(WebSignIn.json(after).path("message").asText()).contains("sign in at /ui/");
    }

    @Test
    void givesRolesOnlyFromTheIdpsGroups() {
        WebSignIn visitor = browser().signIn("visitor", "visitor@example.com", "");

        HttpResponse<String> sessions = visitor.api("GET", "/api/sessions", null, false);
        assertThat(sessions.statusCode()).isEqualTo(403);
        assertThat(WebSignIn.json(sessions).path("message").asText()).contains("auditor role");
        assertThat(visitor.api("GET", "/api/overview", null, false).statusCode()).isEqualTo(403);
        assertThat(visitor.api("GET", "/api/config", null, false).statusCode()).isEqualTo(403);
        assertThat(visitor.api("GET", "/api/sessions?group=security", null, false).statusCode()).isEqualTo(403);
        HttpResponse<String> live = visitor.api("GET", "/api/approvals/events", null, false);
        assertThat(live.statusCode()).isEqualTo(403);
        assertThat(WebSignIn.json(live).path("message").asText()).contains("live approval updates are for approvers");
    }

    @Test
    void streamsAChangeWhenAnApprovalAppears() throws Exception {
        WebSignIn alice = browser().signIn("alice", "alice@example.com", "");
        HttpResponse<InputStream> stream = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(stack.baseUrl() + "/api/approvals/events"))
                        .header("Cookie", alice.cookie().orElseThrow()).GET().build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(stream.statusCode()).isEqualTo(200);
        assertThat(stream.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/event-stream");
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread.ofVirtual().start(() -> {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
                reader.lines().forEach(lines::add);
            } catch (Exception ignored) {
                // the test is over
            }
        });
        assertThat(next(lines, "event: ready")).isTrue();

        HeldCall held = HeldCall.start(stack, api, "agent-live", "crm", "delete_customer", "{\"id\":\"c-1003\"}", PATIENCE);

        assertThat(next(lines, "event: changed")).as("a change event after the approval appeared").isTrue();
        held.call().cancel(true);
        stream.body().close();
    }

    @Test
    void overviewCountsDecisionsAndListsTheActiveRulesInOrder() throws Exception {
        String token = stack.token("agent-count", "agents");
        var client = stack.raw("crm").bearer(token);
        String session = client.initialize();
        var mcp = client.with("Mcp-Session-Id", session).with("MCP-Protocol-Version", "2025-11-25");
        mcp.post("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"search_customers\",\"arguments\":{\"query\":\"a\"}}}");
        mcp.post("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"export_customers\",\"arguments\":{}}}");
        WebSignIn alice = browser().signIn("alice", "alice@example.com", "");

        JsonNode overview = Poll.until("both decisions counted", PATIENCE, () -> {
            JsonNode o = WebSignIn.json(alice.api("GET", "/api/overview", null, false));
            return o.path("counts").path("allowed").asLong() >= 1 && o.path("counts").path("denied").asLong() >= 1
                    ? Optional.of(o) : Optional.empty();
        });

        assertThat(overview.path("upstreams").get(0).path("name").asText()).isEqualTo("crm");
        assertThat(overview.path("upstreams").get(0).path("health").asText()).isEqualTo("up");
        assertThat(GatehouseApi.elements(overview.path("policy").path("rules")).stream().map(r -> r.path("name").asText()).toList())
                .containsExactly("deletes need a DBA", "searches flow", "nothing else");
        assertThat(overview.path("policy").path("rules").get(0).path("approval").path("timeout").asText()).isEqualTo("PT10M");
    }

    @Test
    void showsAdminsTheConfigurationWithSecretsHidden() {
        WebSignIn admin = browser().signIn("pat", "pat@example.com", "platform");

        HttpResponse<String> config = admin.api("GET", "/api/config", null, false);

        assertThat(config.statusCode()).isEqualTo(200);
        assertThat(config.body()).doesNotContain("s3cret-upstream-key").contains("X-Api-Key", "(hidden)", "deletes need a DBA");
        assertThat(WebSignIn.json(config).path("upstreams").get(0).path("headers").path("X-Api-Key").asText()).isEqualTo("(hidden)");
    }

    @Test
    void servesTheUiShellForEveryViewUnderAStrictContentPolicy() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        for (String view : List.of("/ui/", "/ui/approvals", "/ui/approvals/apr-1", "/ui/sessions", "/ui/sessions/s-1", "/ui/overview",
                "/ui/config")) {
            HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create(stack.baseUrl() + view)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(page.statusCode()).as(view).isEqualTo(200);
            assertThat(page.headers().firstValue("Content-Security-Policy").orElseThrow())
                    .contains("script-src 'self'", "frame-ancestors 'none'");
            assertThat(page.body()).contains("/ui/assets/");
        }
        HttpResponse<String> script = http.send(HttpRequest.newBuilder(URI.create(stack.baseUrl() + "/ui/assets/app.js")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(script.statusCode()).isEqualTo(200);
        assertThat(script.headers().firstValue("Content-Type").orElseThrow()).contains("javascript");
    }

    private static boolean next(BlockingQueue<String> lines, String wanted) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (System.nanoTime() < deadline) {
            String line = lines.poll(1, TimeUnit.SECONDS);
            if (wanted.equals(line)) {
                return true;
            }
        }
        return false;
    }
}
