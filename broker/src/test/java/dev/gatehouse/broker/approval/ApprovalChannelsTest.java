package dev.gatehouse.broker.approval;

import com.fasterxml.jackson.databind.JsonNode;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import dev.gatehouse.broker.dev.DemoUpstream;
import dev.gatehouse.broker.testing.CaughtMail;
import dev.gatehouse.broker.testing.GatehouseApi;
import dev.gatehouse.broker.testing.HeldCall;
import dev.gatehouse.broker.testing.TestStack;
import dev.gatehouse.notifier.slack.FakeSlackApi;
import dev.gatehouse.notifier.slack.SlackInteractivityClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Slack and e-mail together, end to end, on the real dev stack: a call approved from Slack, another from an
 * e-mailed link, a third escalated and approved by the escalation group; and Slack failing for a while
 * (HTTP 500, then 429 with Retry-After) while e-mail still goes out and escalation and expiry keep their time.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
// The outage first: Slack's failures are queued for whichever call comes next, and the other test's last thread
// replies may still be on their way when it ends.
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ApprovalChannelsTest {

    private static final String SECRET = "channels-signing-secret";
    private static final Duration PATIENCE = Duration.ofSeconds(20);

    private FakeSlackApi slack;
    private GreenMail smtp;
    private DemoUpstream upstream;
    private TestStack stack;
    private GatehouseApi api;
    private SlackInteractivityClient interactivity;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    void start() {
        slack = FakeSlackApi.start().withUser("U0ALICE", "alice@example.com").withUser("U0CAROL", "carol@example.com");
        smtp = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        smtp.start();
        upstream = DemoUpstream.start(0);
        stack = TestStack.start("""
                upstreams:
                  - name: crm
                    url: %s
                channels:
                  slack: { botToken: xoxb-test, signingSecret: %s, apiUrl: %s }
                  email: { smtp: "smtp://127.0.0.1:%d", from: gatehouse@example.com, startTls: false }
                approvers:
                  dba:   { members: [alice@example.com], slack: { channel: C0DBA }, email: true }
                  leads: { members: [carol@example.com], slack: { channel: C0LEADS }, email: true }
                roles: { auditors: [security] }
                policies:
                  - name: deletes need a DBA
                    upstream: crm
                    tools: ["delete_*"]
                    action: approve
                    reason: customer data is gone for good
                    approval: { approvers: [dba], timeout: 2m }
                  - name: profiles go to the leads when the DBAs are quiet
                    upstream: crm
                    tools: ["get_customer_profile"]
                    action: approve
                    approval: { approvers: [dba], timeout: 2m, escalate: [{ after: 2s, to: [leads] }] }
                  - name: reports expire quickly
                    upstream: crm
                    tools: ["export_report"]
                    action: approve
                    approval: { approvers: [dba], timeout: 10s, escalate: [{ after: 6s, to: [leads] }] }
                  - name: the rest flows
                    action: allow
                """.formatted(upstream.url(), SECRET, slack.methodsUrl(), smtp.getSmtp().getPort()));
        api = new GatehouseApi(stack.baseUrl(), who -> who.equals("auditor") ? stack.token("auditor", "security")
                : stack.token(who, "agents"));
        interactivity = new SlackInteractivityClient(URI.create(stack.baseUrl() + "/slack/interactivity"), SECRET);
    }

    @AfterAll
    void stop() {
        stack.close();
        upstream.close();
        smtp.stop();
        slack.close();
    }

    @Test
    @Order(2)
    void oneCallApprovedFromSlackAnotherFromAnEmailedLinkAThirdByTheEscalationGroup() throws Exception {
        // From Slack.
        HeldCall fromSlack = hold("agent-slack", "delete_customer", "{\"id\":\"c-1001\"}");
        FakeSlackApi.Call posted = slack.await("chat.postMessage", c -> c.param("channel").equals("C0DBA")
                && c.param("thread_ts").isEmpty() && c.param("blocks").contains(fromSlack.approvalId()), PATIENCE);
        interactivity.send(interactivity.signed(SlackInteractivityClient.click("U0ALICE", "C0DBA", posted.answeredTs(),
                "gatehouse_approve", fromSlack.approvalId())));
        assertCompleted(fromSlack);

        // From an e-mailed link: opening it decides nothing, confirming it does.
        HeldCall fromMail = hold("agent-mail", "delete_customer", "{\"id\":\"c-1002\"}");
        CaughtMail mail = CaughtMail.await(smtp, "alice@example.com",
                "Approval needed: delete_customer on crm for agent-mail@example.com", PATIENCE);
        URI approve = mail.link("Approve");
        assertThat(http.send(HttpRequest.newBuilder(approve).build(), HttpResponse.BodyHandlers.ofString()).statusCode())
                .isEqualTo(200);
        assertThat(fromMail.call()).isNotDone();
        HttpResponse<String> confirmed = http.send(HttpRequest.newBuilder(URI.create(approve.toString().replaceAll("\\?.*", "")))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("t=" + URLEncoder.encode(CaughtMail.token(approve), StandardCharsets.UTF_8)))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(confirmed.statusCode()).as(confirmed.body()).isEqualTo(200);
        assertCompleted(fromMail);

        // Escalated: the DBAs stay quiet, the leads are asked after 2 s (a new message in their channel), and carol decides.
        HeldCall escalated = hold("agent-escalated", "get_customer_profile", "{\"id\":\"c-1002\"}");
        FakeSlackApi.Call toLeads = slack.await("chat.postMessage", c -> c.param("channel").equals("C0LEADS")
                && c.param("blocks").contains(escalated.approvalId()), PATIENCE);
        CaughtMail.await(smtp, "carol@example.com",
                "Escalated: Approval needed: get_customer_profile on crm for agent-escalated@example.com", PATIENCE);
        interactivity.send(interactivity.signed(SlackInteractivityClient.click("U0CAROL", "C0LEADS", toLeads.answeredTs(),
                "gatehouse_approve", escalated.approvalId())));
        assertCompleted(escalated);
        JsonNode decided = api.decidedApproval("auditor", escalated.approvalId());
        assertThat(decided.path("decisions").path(0).path("approver").asText()).isEqualTo("carol@example.com");

        // Every message, in both channels, is edited in place to show the outcome.
        for (String channel : List.of("C0DBA", "C0LEADS")) {
            FakeSlackApi.Call first = slack.await("chat.postMessage", c -> c.param("channel").equals(channel)
                    && c.param("thread_ts").isEmpty() && c.param("blocks").contains(escalated.approvalId()), PATIENCE);
            slack.await("chat.update", c -> c.param("ts").equals(first.answeredTs()) && c.param("blocks").contains("Approved")
                    && !c.param("blocks").contains("gatehouse_approve"), PATIENCE);
        }
    }

    @Test
    @Order(1)
    void slackFailingForAWhileHoldsUpNeitherEmailNorEscalationNorExpiry() throws Exception {
        slack.failNext(2, 500, null);
        slack.failNext(1, 429, 2);
        long start = System.nanoTime();
        HeldCall held = hold("agent-outage", "export_report", "{\"rows\":10}");

        // The e-mail goes out at once, while Slack is still refusing.
        CaughtMail.await(smtp, "alice@example.com", "Approval needed: export_report on crm for agent-outage@example.com", PATIENCE);
        assertThat(seconds(start)).isLessThan(3.0);

        // Slack gets the message once its outage is over, after retries with backoff that honour Retry-After.
        FakeSlackApi.Call delivered = slack.await("chat.postMessage", c -> c.param("channel").equals("C0DBA")
                && c.param("blocks").contains(held.approvalId()) && c.answer().contains("\"ok\":true"), PATIENCE);
        List<FakeSlackApi.Call> attempts = slack.calls("chat.postMessage").stream()
                .filter(c -> c.param("channel").equals("C0DBA") && c.param("blocks").contains(held.approvalId())).toList();
        assertThat(attempts).hasSize(4);
        assertThat(gap(attempts.get(0), attempts.get(1))).isGreaterThanOrEqualTo(0.9);
        assertThat(gap(attempts.get(1), attempts.get(2))).isGreaterThanOrEqualTo(1.8);  // backoff doubles
        assertThat(gap(attempts.get(2), attempts.get(3))).isGreaterThanOrEqualTo(1.9);  // Retry-After: 2
        assertThat(attempts.stream().filter(c -> c.answer().contains("\"ok\":true"))).containsExactly(delivered);

        // Escalation after 6 s and expiry after 10 s, on time.
        CaughtMail.await(smtp, "carol@example.com",
                "Escalated: Approval needed: export_report on crm for agent-outage@example.com", PATIENCE);
        assertThat(seconds(start)).isBetween(5.5, 9.0);
        JsonNode expired = held.answer();
        assertThat(seconds(start)).isBetween(9.5, 15.0);
        assertThat(expired.path("error").path("code").asInt()).as(expired.toString()).isEqualTo(-32041);
        slack.await("chat.update", c -> c.param("ts").equals(delivered.answeredTs()) && c.param("blocks").contains("Expired"),
                PATIENCE);
    }

    private HeldCall hold(String agent, String tool, String arguments) {
        return HeldCall.start(stack, api, agent, "crm", tool, arguments, PATIENCE);
    }

    private static void assertCompleted(HeldCall held) throws Exception {
        JsonNode answer = held.answer();
        assertThat(answer.has("result")).as(answer.toString()).isTrue();
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }

    private static double gap(FakeSlackApi.Call earlier, FakeSlackApi.Call later) {
        return Duration.between(earlier.at(), later.at()).toMillis() / 1000.0;
    }
}
