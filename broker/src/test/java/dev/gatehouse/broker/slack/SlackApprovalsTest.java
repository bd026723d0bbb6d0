package dev.gatehouse.broker.slack;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.activities.channel.DecisionAttempt;
import dev.gatehouse.activities.channel.DecisionAttempts;
import dev.gatehouse.activities.database.Database;
import dev.gatehouse.activities.database.DatabaseSettings;
import dev.gatehouse.broker.dev.DemoUpstream;
import dev.gatehouse.broker.testing.GatehouseApi;
import dev.gatehouse.broker.testing.HeldCall;
import dev.gatehouse.broker.testing.Poll;
import dev.gatehouse.broker.testing.RawMcp;
import dev.gatehouse.broker.testing.TestStack;
import dev.gatehouse.notifier.slack.FakeSlackApi;
import dev.gatehouse.notifier.slack.SlackInteractivityClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Slack as an approval channel, end to end: the real dev stack (embedded PostgreSQL and Temporal, the demo CRM)
 * posts to a fake Slack Web API on loopback, and signed interactivity requests, as Slack would send them, drive
 * real decisions on held calls. Requests Slack did not sign, or signed for another time, or sent before, are
 * turned away and recorded; people Gatehouse cannot identify or who may not decide are told so privately.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class SlackApprovalsTest {

    private static final String SECRET = "test-signing-secret";
    private static final Duration PATIENCE = Duration.ofSeconds(20);

    private FakeSlackApi slack;
    private DemoUpstream upstream;
    private TestStack stack;
    private GatehouseApi api;
    private SlackInteractivityClient interactivity;
    private Database database;
    private DecisionAttempts attempts;

    @BeforeAll
    void start() {
        slack = FakeSlackApi.start()
                .withUser("U0ALICE", "alice@example.com")
                .withUser("U0CAROL", "carol@example.com")
                .withUser("U0NOMAIL", "");
        upstream = DemoUpstream.start(0);
        stack = TestStack.start("""
                upstreams:
                  - name: crm
                    url: %s
                channels:
                  slack:
                    botToken: xoxb-test
                    signingSecret: %s
                    apiUrl: %s
                    users: { U0BOB: bob@example.com, U0SELF: agent-self@example.com }
                approvers:
                  dba:
                    members: [alice@example.com, bob@example.com, agent-self@example.com]
                    slack: { channel: C0DBA }
                roles: { auditors: [security] }
                policies:
                  - name: deletes need a DBA
                    upstream: crm
                    tools: ["delete_*"]
                    action: approve
                    reason: customer data is gone for good
                    approval: { approvers: [dba], timeout: 2m }
                  - name: profiles need two DBAs
                    upstream: crm
                    tools: ["get_customer_profile"]
                    action: approve
                    approval: { approvers: [dba], required: 2, timeout: 2m }
                  - name: the rest flows
                    action: allow
                """.formatted(upstream.url(), SECRET, slack.methodsUrl()));
        api = new GatehouseApi(stack.baseUrl(), who -> who.equals("auditor") ? stack.token("auditor", "security")
                : stack.token(who, "agents"));
        interactivity = new SlackInteractivityClient(URI.create(stack.baseUrl() + "/slack/interactivity"), SECRET);
        database = Database.open(new DatabaseSettings(stack.dev().jdbcUrl(), "postgres", "", 2, Duration.ofSeconds(10)));
        attempts = new DecisionAttempts(database.jdbi());
    }

    @AfterAll
    void stop() {
        database.close();
        stack.close();
        upstream.close();
        slack.close();
    }

    @Test
    void postsTheGatedCallAndASignedApproveClickLetsItRun() throws Exception {
        Held held = hold("agent-approve", "delete_customer", "{\"id\":\"c-1001\",\"contact\":\"jane.doe@example.org\"}");

        String shown = blocks(held.post());
        assertThat(held.post().param("channel")).isEqualTo("C0DBA");
        assertThat(held.post().param("text")).contains("agent-approve@example.com asks to call tool delete_customer on crm");
        assertThat(shown).contains("agent-approve@example.com").contains("`delete_customer`").contains("*Upstream*\\ncrm")
                .contains("*Policy*\\ndeletes need a DBA").contains("customer data is gone for good")
                .contains("0 of 1 approval").contains("<!date^").contains("c-1001")
                .contains(stack.baseUrl() + "/ui/approvals/" + held.id())
                .contains("\"action_id\":\"gatehouse_approve\"").contains("\"action_id\":\"gatehouse_deny\"")
                .doesNotContain("jane.doe@example.org");

        SlackInteractivityClient.Signed click = interactivity.signed(
                SlackInteractivityClient.click("U0ALICE", "C0DBA", held.ts(), "gatehouse_approve", held.id()));
        HttpResponse<String> ack = interactivity.send(click);

        assertThat(ack.statusCode()).isEqualTo(200);
        assertThat(ack.body()).isEmpty();
        JsonNode result = RawMcp.message(held.call().get(30, TimeUnit.SECONDS));
        assertThat(result.has("result")).as(result.toString()).isTrue();
        assertThat(ephemeral("U0ALICE", held.id()).param("text")).isEqualTo("You approved approval " + held.id() + " (1 of 1 approvals).");
        assertThat(ephemeral("U0ALICE", held.id()).param("channel")).isEqualTo("C0DBA");
        JsonNode approval = api.decidedApproval("auditor", held.id());
        assertThat(approval.path("decisions").path(0).path("approver").asText()).isEqualTo("alice@example.com");
        assertThat(approval.path("decisions").path(0).path("channel").asText()).isEqualTo("slack");

        HttpResponse<String> replay = interactivity.send(click);
        assertThat(replay.statusCode()).isEqualTo(401);
        assertThat(replay.body()).isEqualTo("replayed: this signed request was accepted before");
        assertThat(outcomes(held.id())).containsExactly("U0ALICE (alice@example.com) approve decided");
        assertThat(unattributed()).anyMatch(a -> a.outcome().equals("replayed"));

        // The outcome in place, driven by the notify activities' settlement.
        FakeSlackApi.Call update = slack.await("chat.update", c -> c.param("ts").equals(held.ts())
                && c.param("blocks").contains("*Approved* by alice@example.com"), PATIENCE);
        assertThat(update.param("blocks")).doesNotContain("gatehouse_approve").doesNotContain("\"actions\"");
        slack.await("chat.postMessage", c -> c.param("thread_ts").equals(held.ts())
                && c.param("text").equals(":white_check_mark: *Approved* by alice@example.com"), PATIENCE);
    }

    @Test
    void denyAsksForAReasonAndTheSubmittedFormDeniesTheCall() throws Exception {
        Held held = hold("agent-deny", "delete_customer", "{\"id\":\"c-1002\"}");

        String payload = SlackInteractivityClient.click("U0BOB", "C0DBA", held.ts(), "gatehouse_deny", held.id());
        assertThat(interactivity.send(payload).statusCode()).isEqualTo(200);

        String trigger = com.google.gson.JsonParser.parseString(payload).getAsJsonObject().get("trigger_id").getAsString();
        FakeSlackApi.Call opened = slack.await("views.open", c -> c.param("trigger_id").equals(trigger), PATIENCE);
        assertThat(opened.json("view").getAsJsonObject().get("callback_id").getAsString()).isEqualTo("gatehouse_deny");
        assertThat(api.get("auditor", "/api/approvals/" + held.id()).path("status").asText())
                .as("opening the form decides nothing").isEqualTo("pending");

        HttpResponse<String> submitted = interactivity.send(
                SlackInteractivityClient.submission("U0BOB", opened.json("view"), "not during the freeze"));

        assertThat(submitted.statusCode()).isEqualTo(200);
        assertThat(submitted.body()).as("an empty 200 closes the modal").isEmpty();
        JsonNode error = RawMcp.message(held.call().get(30, TimeUnit.SECONDS)).path("error");
        assertThat(error.path("code").asInt()).isEqualTo(-32040);
        assertThat(error.path("message").asText()).contains("bob@example.com").contains("not during the freeze");
        assertThat(ephemeral("U0BOB", held.id()).param("text")).isEqualTo("You denied approval " + held.id() + ".");
        assertThat(outcomes(held.id())).containsExactly("U0BOB (bob@example.com) open opened", "U0BOB (bob@example.com) deny decided");

        FakeSlackApi.Call update = slack.await("chat.update", c -> c.param("ts").equals(held.ts())
                && c.param("blocks").contains("*Denied* by bob@example.com: not during the freeze"), PATIENCE);
        assertThat(update.param("blocks")).doesNotContain("gatehouse_deny");
    }

    @Test
    void turnsAwayForgedStaleFutureUnsignedAndMalformedRequestsAndRecordsThem() {
        String payload = SlackInteractivityClient.click("U0ALICE", "C0DBA", "1.000100", "gatehouse_approve", "apr-nonexistent");

        HttpResponse<String> forged = interactivity.send(interactivity.forged(payload));
        HttpResponse<String> stale = interactivity.send(interactivity.signedAt(payload, Instant.now().minus(Duration.ofMinutes(6))));
        HttpResponse<String> future = interactivity.send(interactivity.signedAt(payload, Instant.now().plus(Duration.ofMinutes(6))));
        HttpResponse<String> unsigned = interactivity.sendRaw(SlackInteractivityClient.formBody(payload),
                String.valueOf(Instant.now().getEpochSecond()), null);
        SlackInteractivityClient.Signed garbage = interactivity.signed("{not json");
        HttpResponse<String> malformed = interactivity.send(garbage);

        assertThat(forged.statusCode()).isEqualTo(401);
        assertThat(forged.body()).isEqualTo("forged: the signature does not match the request");
        assertThat(stale.statusCode()).isEqualTo(401);
        assertThat(stale.body()).matches("stale: signed 36\\d s ago; Slack's requests are accepted for 5 minutes");
        assertThat(future.statusCode()).isEqualTo(401);
        assertThat(future.body()).matches("future: signed for 3[56]\\d s from now; Slack's requests are accepted within 5"
                + " minutes of the broker's clock");
        assertThat(unsigned.statusCode()).isEqualTo(401);
        assertThat(unsigned.body()).isEqualTo("forged: no X-Slack-Signature header");
        assertThat(malformed.statusCode()).isEqualTo(400);
        assertThat(malformed.body()).isEqualTo("malformed: the payload is not JSON");
        assertThat(unattributed()).extracting(a -> a.outcome() + ": " + a.detail())
                .contains("forged: the signature does not match the request", "forged: no X-Slack-Signature header",
                        "malformed: the payload is not JSON")
                .anyMatch(line -> line.startsWith("stale: signed 36"))
                .anyMatch(line -> line.startsWith("future: signed for "));
        assertThat(attempts.list("slack", "apr-nonexistent")).as("nothing turned away reached a decision").isEmpty();
        assertThat(slack.calls("chat.postEphemeral")).noneMatch(c -> c.param("text").contains("apr-nonexistent"));
    }

    @Test
    void tellsPeopleItCannotIdentifyOrWhoMayNotDecideWhyPrivately() throws Exception {
        Held held = hold("agent-self", "delete_customer", "{\"id\":\"c-1003\"}");

        for (String user : List.of("U0GHOST", "U0NOMAIL", "U0CAROL", "U0SELF")) {
            assertThat(interactivity.send(SlackInteractivityClient.click(user, "C0DBA", held.ts(), "gatehouse_approve", held.id()))
                    .statusCode()).isEqualTo(200);
        }

        assertThat(ephemeralTo("U0GHOST").param("text")).isEqualTo("Gatehouse cannot tell who you are: your Slack"
                + " profile shows no e-mail address it may read, and channels.slack.users does not map your Slack user U0GHOST."
                + " Ask a Gatehouse operator to add you.");
        assertThat(ephemeralTo("U0NOMAIL").param("text")).startsWith("Gatehouse cannot tell who you are:");
        assertThat(ephemeral("U0CAROL", held.id()).param("text")).isEqualTo("Gatehouse did not take your decision on approval "
                + held.id() + ": carol@example.com is in none of the groups that may decide this call now: dba");
        assertThat(ephemeral("U0SELF", held.id()).param("text")).isEqualTo("Gatehouse did not take your decision on approval "
                + held.id() + ": agent-self@example.com made this call and cannot decide it; another approver must");
        Poll.until("four attempts on " + held.id(), PATIENCE, () -> Optional.of(outcomes(held.id())).filter(o -> o.size() == 4));
        assertThat(attempts.list("slack", held.id())).extracting(a -> a.actor() + " " + a.outcome() + " " + a.detail().split(":")[0])
                .containsExactlyInAnyOrder(
                        "U0GHOST unknown-user no e-mail on the Slack profile and none in channels.slack.users",
                        "U0NOMAIL unknown-user no e-mail on the Slack profile and none in channels.slack.users",
                        "U0CAROL (carol@example.com) refused NOT_ELIGIBLE",
                        "U0SELF (agent-self@example.com) refused SELF_APPROVAL");
        assertThat(api.get("auditor", "/api/approvals/" + held.id()).path("status").asText()).isEqualTo("pending");
        held.call().cancel(true);
    }

    @Test
    void aDoubleClickDecidesOnceAndTellsTheSecondClickWhy() throws Exception {
        Held held = hold("agent-double", "delete_customer", "{\"id\":\"c-1001\",\"twice\":true}");

        CompletableFuture<HttpResponse<String>> first = CompletableFuture.supplyAsync(() -> interactivity.send(
                SlackInteractivityClient.click("U0ALICE", "C0DBA", held.ts(), "gatehouse_approve", held.id())));
        CompletableFuture<HttpResponse<String>> second = CompletableFuture.supplyAsync(() -> interactivity.send(
                SlackInteractivityClient.click("U0ALICE", "C0DBA", held.ts(), "gatehouse_approve", held.id())));

        assertThat(first.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(second.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(RawMcp.message(held.call().get(30, TimeUnit.SECONDS)).has("result")).isTrue();
        slack.await("chat.postEphemeral", c -> c.param("user").equals("U0ALICE")
                && c.param("text").equals("You approved approval " + held.id() + " (1 of 1 approvals)."), PATIENCE);
        FakeSlackApi.Call refused = slack.await("chat.postEphemeral", c -> c.param("user").equals("U0ALICE")
                && c.param("text").startsWith("Gatehouse did not take your decision on approval " + held.id()), PATIENCE);
        assertThat(refused.param("text")).contains("already approved by alice@example.com");
        Poll.until("both clicks recorded", PATIENCE, () -> Optional.of(outcomes(held.id())).filter(o -> o.size() == 2));
        assertThat(outcomes(held.id())).containsExactlyInAnyOrder("U0ALICE (alice@example.com) approve decided",
                "U0ALICE (alice@example.com) approve refused");
        assertThat(api.get("auditor", "/api/approvals/" + held.id()).path("decisions").size()).isEqualTo(1);
    }

    @Test
    void showsEachApprovalShortOfTheNumberNeededInTheThreadAndOnTheMessage() throws Exception {
        Held held = hold("agent-two", "get_customer_profile", "{\"id\":\"c-1002\"}");
        assertThat(held.post().param("blocks")).contains("0 of 2 approvals");

        interactivity.send(SlackInteractivityClient.click("U0ALICE", "C0DBA", held.ts(), "gatehouse_approve", held.id()));
        assertThat(ephemeral("U0ALICE", held.id()).param("text")).isEqualTo("You approved approval " + held.id() + " (1 of 2 approvals).");
        interactivity.send(SlackInteractivityClient.click("U0BOB", "C0DBA", held.ts(), "gatehouse_approve", held.id()));
        assertThat(RawMcp.message(held.call().get(30, TimeUnit.SECONDS)).has("result")).isTrue();

        // Progress and settlement in place, driven by the notify activities.
        slack.await("chat.postMessage", c -> c.param("thread_ts").equals(held.ts())
                && c.param("text").equals(":white_check_mark: alice@example.com approved (1 of 2 approvals)."), PATIENCE);
        slack.await("chat.update", c -> c.param("ts").equals(held.ts()) && c.param("blocks").contains("1 of 2 approvals")
                && c.param("blocks").contains("gatehouse_approve"), PATIENCE);
        slack.await("chat.update", c -> c.param("ts").equals(held.ts())
                && c.param("blocks").contains("*Approved* by alice@example.com, bob@example.com"), PATIENCE);
    }

    /** A held call, its approval and the Slack message that announced it. */
    private record Held(CompletableFuture<HttpResponse<String>> call, String id, FakeSlackApi.Call post) {
        /** The announcing message's timestamp, which Slack gave it. */
        String ts() {
            return post.answeredTs();
        }
    }

    /** The blocks of a call as plain JSON text (the Slack client escapes {@code <} and {@code >} as Gson does). */
    private static String blocks(FakeSlackApi.Call call) {
        return call.json("blocks").toString();
    }

    private FakeSlackApi.Call ephemeral(String user, String approvalId) {
        return slack.await("chat.postEphemeral", c -> c.param("user").equals(user) && c.param("text").contains(approvalId),
                PATIENCE);
    }

    /** For users who click only once in the whole class. */
    private FakeSlackApi.Call ephemeralTo(String user) {
        return slack.await("chat.postEphemeral", c -> c.param("user").equals(user), PATIENCE);
    }

    /** The recorded attempts on an approval as {@code actor action outcome}. */
    private List<String> outcomes(String approvalId) {
        return attempts.list("slack", approvalId).stream().map(a -> a.actor() + " " + a.action() + " " + a.outcome()).toList();
    }

    /** The attempts that named no approval: requests turned away before anything in them could be trusted. */
    private List<DecisionAttempt> unattributed() {
        return attempts.list("slack", null);
    }

    private Held hold(String agent, String tool, String arguments) {
        HeldCall held = HeldCall.start(stack, api, agent, "crm", tool, arguments, PATIENCE);
        String id = held.approvalId();
        FakeSlackApi.Call post = slack.await("chat.postMessage", c -> c.param("channel").equals("C0DBA")
                && c.param("thread_ts").isEmpty() && c.param("blocks").contains(id), PATIENCE);
        return new Held(held.call(), id, post);
    }
}
