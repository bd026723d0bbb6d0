package dev.gatehouse.broker.email;

import dev.gatehouse.broker.testing.CaughtMail;

import com.fasterxml.jackson.databind.JsonNode;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import dev.gatehouse.activities.channel.DecisionAttempt;
import dev.gatehouse.activities.channel.DecisionAttempts;
import dev.gatehouse.activities.database.Database;
import dev.gatehouse.activities.database.DatabaseSettings;
import dev.gatehouse.broker.dev.DemoUpstream;
import dev.gatehouse.broker.testing.GatehouseApi;
import dev.gatehouse.broker.testing.Poll;
import dev.gatehouse.broker.testing.RawMcp;
import dev.gatehouse.broker.testing.TestStack;
import dev.gatehouse.notifier.DecisionSummary.Verdict;
import dev.gatehouse.notifier.email.DecisionLinks;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * E-mail approvals end to end: the real dev stack (embedded PostgreSQL and Temporal) mails a real SMTP
 * server (GreenMail), and the tests follow the links the mail carries as an approver's browser would.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class EmailApprovalTest {

    private static final Duration PATIENCE = Duration.ofSeconds(20);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final byte[] linkKey = new byte[32];
    private GreenMail smtp;
    private DemoUpstream upstream;
    private TestStack stack;
    private GatehouseApi api;
    private Database database;
    private DecisionAttempts attempts;

    @BeforeAll
    void start() {
        new SecureRandom().nextBytes(linkKey);
        smtp = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        smtp.start();
        upstream = DemoUpstream.start(0);
        stack = TestStack.start("""
                upstreams:
                  - name: crm
                    url: %s
                approvers:
                  dba: { members: [alice@example.com], email: true }
                channels:
                  email:
                    smtp: smtp://127.0.0.1:%d
                    from: gatehouse@example.com
                    startTls: false
                    linkKey: %s
                roles: { auditors: [security] }
                policies:
                  - name: deletes need a DBA
                    upstream: crm
                    tools: ["delete_*"]
                    action: approve
                    reason: deleted customers cannot be restored
                    approval: { approvers: [dba], timeout: 10m }
                  - name: the rest flows
                    action: allow
                """.formatted(upstream.url(), smtp.getSmtp().getPort(), Base64.getEncoder().encodeToString(linkKey)));
        api = new GatehouseApi(stack.baseUrl(), who -> stack.token(who, who.equals("auditor") ? "security" : "agents"));
        database = Database.open(new DatabaseSettings(stack.dev().jdbcUrl(), "postgres", "", 2, Duration.ofSeconds(5)));
        attempts = new DecisionAttempts(database.jdbi());
    }

    @AfterAll
    void stop() {
        database.close();
        stack.close();
        upstream.close();
        smtp.stop();
    }

    @Test
    void mailsTheApproverLinksThatDecideOnlyWhenTheConfirmationIsPosted() throws Exception {
        CompletableFuture<HttpResponse<String>> held = gatedCall("agent-ok");
        CaughtMail mail = CaughtMail.await(smtp, "alice@example.com", "Approval needed: delete_customer on crm for agent-ok@example.com",
                PATIENCE);
        URI approve = mail.link("Approve");
        String id = CaughtMail.approvalId(approve);
        for (String fact : List.of("agent-ok@example.com asks to run delete_customer on crm.", "deletes need a DBA",
                "deleted customers cannot be restored", "0 of 1 so far", "/ui/approvals/" + id)) {
            assertThat(mail.text()).contains(fact);
            assertThat(mail.html()).contains(fact);
        }
        assertThat(mail.html()).contains("href=\"" + approve.toString().replace("&", "&amp;") + "\"");

        HttpResponse<String> page = get(approve);

        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("<title>Approve this call? · Gatehouse</title>")
                .contains("You are deciding as alice@example.com.")
                .contains("<form method=\"post\" action=\"" + id + "\">")
                .contains("agent-ok@example.com")
                .doesNotContain("<textarea");
        assertThat(page.headers().firstValue("Cache-Control")).hasValue("no-store");
        assertThat(page.headers().firstValue("Referrer-Policy")).hasValue("no-referrer");
        assertThat(page.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
        assertThat(approval(id).path("status").asText()).as("opening a link decides nothing").isEqualTo("pending");
        assertThat(held).isNotDone();

        HttpResponse<String> decided = post(approve, CaughtMail.token(approve), "");

        assertThat(decided.statusCode()).as(decided.body()).isEqualTo(200);
        assertThat(decided.body()).contains("You approved the call")
                .contains("Thank you, alice@example.com. Approval " + id + " is now approved (1 of 1 approvals).");
        JsonNode result = RawMcp.message(held.get(30, TimeUnit.SECONDS));
        assertThat(result.has("result")).as(result.toString()).isTrue();
        assertThat(api.decidedApproval("auditor", id).path("decisions").get(0).path("channel").asText()).isEqualTo("email");
        assertThat(outcomes(id)).containsExactly("open:shown", "approve:decided");

        CaughtMail toRequester = CaughtMail.await(smtp, "agent-ok@example.com", "Your call delete_customer on crm was approved", PATIENCE);
        assertThat(toRequester.text()).contains("was approved").contains("alice@example.com approved by email");
        CaughtMail followUp = CaughtMail.await(smtp, "alice@example.com",
                "Re: Approval needed: delete_customer on crm for agent-ok@example.com [approved]", PATIENCE);
        assertThat(followUp.header("In-Reply-To")).isEqualTo(mail.header("Message-ID"));
    }

    @Test
    void refusesALinkUsedBefore() throws Exception {
        gatedCall("agent-twice");
        CaughtMail mail = CaughtMail.await(smtp, "alice@example.com",
                "Approval needed: delete_customer on crm for agent-twice@example.com", PATIENCE);
        URI deny = mail.link("Deny");
        String id = CaughtMail.approvalId(deny);
        assertThat(get(deny).body()).contains("Deny this call?").contains("<textarea id=\"reason\" name=\"reason\"");
        assertThat(post(deny, CaughtMail.token(deny), "not during the freeze").statusCode()).isEqualTo(200);

        HttpResponse<String> again = post(deny, CaughtMail.token(deny), "");
        HttpResponse<String> reopened = get(deny);

        assertThat(again.statusCode()).isEqualTo(410);
        assertThat(again.body()).contains("<title>This link was already used · Gatehouse</title>")
                .containsPattern("This link was already used at \\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2} UTC\\. Each link works once;");
        assertThat(reopened.statusCode()).isEqualTo(410);
        assertThat(outcomes(id)).containsExactly("open:shown", "deny:decided", "deny:used", "open:used");
        assertThat(api.decidedApproval("auditor", id).path("decisions").get(0).path("reason").asText()).isEqualTo("not during the freeze");
        CaughtMail toRequester = CaughtMail.await(smtp, "agent-twice@example.com", "Your call delete_customer on crm was denied", PATIENCE);
        assertThat(toRequester.text()).contains("not during the freeze");
    }

    @Test
    void refusesAnExpiredLinkAndDecidesNothing() {
        String id = pendingApproval("agent-late");
        URI late = link(id, new DecisionLinks(linkKey).sign(id, "alice@example.com", Verdict.APPROVE, Instant.now().minusSeconds(60)));

        HttpResponse<String> opened = get(late);
        HttpResponse<String> posted = post(late, CaughtMail.token(late), "");

        assertThat(opened.statusCode()).isEqualTo(410);
        assertThat(opened.body()).contains("<title>This link has expired · Gatehouse</title>")
                .contains(", the approval&#39;s deadline. Nothing was decided.");
        assertThat(posted.statusCode()).isEqualTo(410);
        assertThat(outcomes(id)).containsExactly("open:expired", "approve:expired");
        assertThat(approval(id).path("status").asText()).isEqualTo("pending");
    }

    @Test
    void refusesATamperedLinkAndDecidesNothing() {
        String id = pendingApproval("agent-forger");
        URI approve = CaughtMail.await(smtp, "alice@example.com",
                "Approval needed: delete_customer on crm for agent-forger@example.com", PATIENCE).link("Approve");
        String[] parts = CaughtMail.token(approve).split("\\.");
        String claims = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8)
                .replace("alice@example.com", "alicf@example.com");
        URI forged = link(id, parts[0] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(
                claims.getBytes(StandardCharsets.UTF_8)) + "." + parts[2]);

        HttpResponse<String> opened = get(forged);
        HttpResponse<String> posted = post(forged, CaughtMail.token(forged), "");

        assertThat(opened.statusCode()).isEqualTo(400);
        assertThat(opened.body()).contains("<title>This link is not valid · Gatehouse</title>")
                .contains("The link&#39;s signature does not match: it was changed, or it was not made by this Gatehouse."
                        + " Nothing was decided.");
        assertThat(posted.statusCode()).isEqualTo(400);
        assertThat(attempts.list("email", null)).filteredOn(a -> a.detail().contains(id))
                .extracting(a -> a.action() + ":" + a.outcome() + ":" + a.actor() + ":" + a.detail())
                .containsExactly(
                        "open:tampered:(unverified link):a link for approval " + id + " whose signature does not match",
                        "decide:tampered:(unverified link):a link for approval " + id + " whose signature does not match");
        assertThat(approval(id).path("status").asText()).isEqualTo("pending");
    }

    @Test
    void refusesALinkSignedForSomeoneWhoMayNotDecide() {
        String id = pendingApproval("agent-stranger");
        URI mallory = link(id, new DecisionLinks(linkKey).sign(id, "mallory@example.com", Verdict.APPROVE,
                Instant.now().plusSeconds(600)));

        assertThat(get(mallory).statusCode()).as("the page cannot know; the decision can").isEqualTo(200);
        HttpResponse<String> posted = post(mallory, CaughtMail.token(mallory), "");

        assertThat(posted.statusCode()).isEqualTo(403);
        assertThat(posted.body()).contains("<title>Your decision was not taken · Gatehouse</title>")
                .contains("mallory@example.com is in none of the groups that may decide this call now: dba.");
        assertThat(attempts.list("email", id)).extracting(DecisionAttempt::outcome).containsExactly("shown", "refused");
        assertThat(attempts.list("email", id).get(1).detail())
                .isEqualTo("NOT_ELIGIBLE: mallory@example.com is in none of the groups that may decide this call now: dba");
        assertThat(approval(id).path("status").asText()).isEqualTo("pending");
    }

    @Test
    void refusesALinkMadeForAnotherApproval() {
        String id = pendingApproval("agent-elsewhere");
        URI borrowed = link(id, new DecisionLinks(linkKey).sign("apr-some-other", "alice@example.com", Verdict.APPROVE,
                Instant.now().plusSeconds(600)));

        HttpResponse<String> opened = get(borrowed);
        HttpResponse<String> posted = post(borrowed, CaughtMail.token(borrowed), "");

        assertThat(opened.statusCode()).isEqualTo(400);
        assertThat(opened.body()).contains("<title>This link is for another approval · Gatehouse</title>")
                .contains("The link was made for approval apr-some-other, not for approval " + id + ". Nothing was decided.");
        assertThat(posted.statusCode()).isEqualTo(400);
        assertThat(attempts.list("email", id)).extracting(a -> a.action() + ":" + a.outcome() + ":" + a.actor() + ":" + a.detail())
                .containsExactly("open:foreign:alice@example.com:the link is for approval apr-some-other",
                        "approve:foreign:alice@example.com:the link is for approval apr-some-other");
        assertThat(approval(id).path("status").asText()).isEqualTo("pending");
    }

    @Test
    void refusesARequestWithoutAToken() {
        HttpResponse<String> bare = send(HttpRequest.newBuilder(URI.create(stack.baseUrl() + "/email/approvals/apr-x")).GET());

        assertThat(bare.statusCode()).isEqualTo(400);
        assertThat(bare.body()).contains("<title>This link is not complete · Gatehouse</title>")
                .contains("The link is cut short or was changed (the link carries no token).");
        assertThat(bare.headers().firstValue("Cache-Control")).hasValue("no-store");
    }

    private CompletableFuture<HttpResponse<String>> gatedCall(String requester) {
        RawMcp raw = stack.raw("crm").bearer(stack.token(requester, "agents"));
        String session = raw.initialize();
        return raw.with("Mcp-Session-Id", session).with("MCP-Protocol-Version", "2025-11-25").postAsync("""
                {"jsonrpc":"2.0","id":"c1","method":"tools/call","params":{"name":"delete_customer","arguments":{"id":"%s"}}}"""
                .formatted(requester));
    }

    /** Gates a call by {@code requester} and returns its approval id once alice has been mailed about it. */
    private String pendingApproval(String requester) {
        gatedCall(requester);
        URI approve = CaughtMail.await(smtp, "alice@example.com",
                "Approval needed: delete_customer on crm for " + requester + "@example.com", PATIENCE).link("Approve");
        return CaughtMail.approvalId(approve);
    }

    private URI link(String approvalId, String token) {
        return URI.create(stack.baseUrl() + "/email/approvals/" + approvalId + "?t=" + URLEncoder.encode(token, StandardCharsets.UTF_8));
    }

    private JsonNode approval(String id) {
        return api.get("auditor", "/api/approvals/" + id);
    }

    private List<String> outcomes(String approvalId) {
        return attempts.list("email", approvalId).stream().map(a -> a.action() + ":" + a.outcome()).toList();
    }

    private HttpResponse<String> get(URI link) {
        return send(HttpRequest.newBuilder(link).GET());
    }

    /** What the confirmation page's form posts: the token, and the reason when one was typed. */
    private HttpResponse<String> post(URI link, String token, String reason) {
        URI target = URI.create(link.toString().substring(0, link.toString().indexOf('?')));
        String form = "t=" + URLEncoder.encode(token, StandardCharsets.UTF_8) + "&reason=" + URLEncoder.encode(reason, StandardCharsets.UTF_8);
        return send(HttpRequest.newBuilder(target).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)));
    }

    private HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return http.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
