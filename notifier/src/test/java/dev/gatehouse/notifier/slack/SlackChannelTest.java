package dev.gatehouse.notifier.slack;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.gatehouse.notifier.Announcement;
import dev.gatehouse.notifier.ApprovalLinks;
import dev.gatehouse.notifier.CallSummary;
import dev.gatehouse.notifier.DecisionSummary;
import dev.gatehouse.notifier.DeliveryFailedException;
import dev.gatehouse.notifier.NotifiedGroup;
import dev.gatehouse.notifier.Progress;
import dev.gatehouse.notifier.Settlement;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** The Slack channel against a fake Slack Web API on loopback: what it posts, replies and edits, and how Slack's failures surface. */
class SlackChannelTest {

    private static final Instant DEADLINE = Instant.parse("2025-03-01T10:30:00Z");
    private static final CallSummary CALL = new CallSummary("apr-1", "agent@example.com", "agent@example.com", "crm",
            "tools/call", "delete_customer", "{\"customer\":\"42\",\"email\":\"[EMAIL]\"}", "deletes need a DBA",
            "customer data is gone for good", "v1", 2, DEADLINE);
    private static final NotifiedGroup DBA = new NotifiedGroup("dba", List.of("alice@example.com"), "C0DBA", false);
    private static final NotifiedGroup LEADS = new NotifiedGroup("leads", List.of("lead@example.com"), "C0LEADS", false);
    private static final Instant DECIDED = Instant.parse("2025-03-01T10:05:00Z");

    private final FakeSlackApi fake = FakeSlackApi.start();
    private final SlackChannel slack = new SlackChannel(SlackWebApi.connect("xoxb-test", fake.methodsUrl()),
            new ApprovalLinks(URI.create("https://gatehouse.example.com")));

    @AfterEach
    void stop() {
        fake.close();
    }

    @Test
    void servesOnlyGroupsThatNameASlackChannel() {
        assertThat(slack.name()).isEqualTo("slack");
        assertThat(slack.serves(DBA)).isTrue();
        assertThat(slack.serves(new NotifiedGroup("mail-only", List.of("a@example.com"), null, true))).isFalse();
    }

    @Test
    void postsTheRequestWithEverythingAnApproverNeedsAndTheButtons() {
        String handle = slack.announce(new Announcement(CALL, Announcement.Kind.REQUEST, DBA));

        FakeSlackApi.Call post = single("chat.postMessage");
        assertThat(handle).matches("C0DBA/\\d+\\.000100");
        assertThat(post.token()).isEqualTo("xoxb-test");
        assertThat(post.param("channel")).isEqualTo("C0DBA");
        assertThat(post.param("text")).isEqualTo("Approval needed: agent@example.com asks to call tool delete_customer on crm"
                + " (policy 'deletes need a DBA'; 0 of 2 approvals)");
        String shown = texts(post.json("blocks"));
        assertThat(shown)
                .contains(":lock: *Approval needed*\n*agent@example.com* asks to call tool `delete_customer` on *crm*")
                .contains("*Requester*\nagent@example.com")
                .contains("*Upstream*\ncrm")
                .contains("*Tool*\n`delete_customer`")
                .contains("*Policy*\ndeletes need a DBA")
                .contains("*Why the policy asks:* customer data is gone for good")
                .contains("*Approvals*\n0 of 2 approvals")
                .contains("*Deadline*\n<!date^" + DEADLINE.getEpochSecond() + "^{date_short_pretty} {time}|2025-03-01T10:30:00Z>")
                .contains("*Arguments* (masked)\n```{\"customer\":\"42\",\"email\":\"[EMAIL]\"}```")
                .contains("<https://gatehouse.example.com/ui/approvals/apr-1|Open in Gatehouse>");
        assertThat(buttons(post.json("blocks"))).containsExactly(
                "Approve:gatehouse_approve:apr-1:primary", "Deny:gatehouse_deny:apr-1:danger");
    }

    @Test
    void escapesMarkupInWhatRequestersAndPolicyAuthorsWrote() {
        CallSummary sneaky = new CallSummary("apr-2", "<!channel> agent", "", "crm", "tools/call", "delete_<@U0BOSS>",
                "{\"note\":\"<https://evil.example|click> & ```\"}", "policy", "", "v1", 1, DEADLINE);

        slack.announce(new Announcement(sneaky, Announcement.Kind.REQUEST, DBA));

        assertThat(single("chat.postMessage").param("text")).startsWith("Approval needed: &lt;!channel&gt; agent asks to call tool"
                + " delete_&lt;@U0BOSS&gt; on crm");
        String shown = texts(single("chat.postMessage").json("blocks"));
        assertThat(shown).doesNotContain("<!channel>").doesNotContain("<@U0BOSS>").doesNotContain("<https://evil.example")
                .contains("&lt;!channel&gt; agent").contains("&amp;");
        assertThat(shown).contains("```{\"note\":\"&lt;https://evil.example|click&gt; &amp; `\u200b``\"}```");
    }

    @Test
    void shortensALongPreviewToFitASection() {
        CallSummary big = new CallSummary("apr-3", "agent", "", "crm", "tools/call", "load", "{\"rows\":\"" + "x".repeat(10_000)
                + "\"}", "bulk loads", "", "v1", 1, DEADLINE);

        slack.announce(new Announcement(big, Announcement.Kind.REQUEST, DBA));

        List<String> sections = sectionTexts(single("chat.postMessage").json("blocks"));
        assertThat(sections).allSatisfy(text -> assertThat(text.length()).isLessThanOrEqualTo(3000));
        assertThat(sections).anySatisfy(text -> assertThat(text).endsWith("… (shortened; the web UI shows all)```"));
    }

    @Test
    void remindsInTheThreadOfTheEarlierMessageAndKeepsItsHandle() {
        String parent = slack.announce(new Announcement(CALL, Announcement.Kind.REQUEST, DBA));

        String handle = slack.announce(new Announcement(CALL, Announcement.Kind.REMINDER, DBA, 1, List.of(parent)));

        assertThat(handle).isEqualTo(parent);
        FakeSlackApi.Call reply = fake.calls("chat.postMessage").get(1);
        assertThat(reply.param("channel")).isEqualTo("C0DBA");
        assertThat(reply.param("thread_ts")).isEqualTo(SlackMessageRef.parse(parent).ts());
        assertThat(reply.param("text")).isEqualTo(":bell: Reminder: this call still waits for approval (1 of 2 approvals); it expires <!date^"
                + DEADLINE.getEpochSecond() + "^{date_short_pretty} {time}|2025-03-01T10:30:00Z>.");
        assertThat(reply.params()).doesNotContainKey("blocks");
    }

    @Test
    void escalatesToAnotherSlackChannelWithANewMessage() {
        String parent = slack.announce(new Announcement(CALL, Announcement.Kind.REQUEST, DBA));

        String handle = slack.announce(new Announcement(CALL, Announcement.Kind.ESCALATION, LEADS, 0, List.of(parent)));

        FakeSlackApi.Call post = fake.calls("chat.postMessage").get(1);
        assertThat(handle).startsWith("C0LEADS/").isNotEqualTo(parent);
        assertThat(post.params()).doesNotContainKey("thread_ts");
        assertThat(texts(post.json("blocks"))).contains(":arrow_up: *Escalated to leads: approval needed*");
        assertThat(buttons(post.json("blocks"))).hasSize(2);
    }

    @Test
    void escalatesInTheThreadWhenTheGroupSharesTheChannel() {
        String parent = slack.announce(new Announcement(CALL, Announcement.Kind.REQUEST, DBA));
        NotifiedGroup leadsInDbaChannel = new NotifiedGroup("leads", List.of("lead@example.com"), "C0DBA", false);

        String handle = slack.announce(new Announcement(CALL, Announcement.Kind.ESCALATION, leadsInDbaChannel, 0, List.of(parent)));

        assertThat(handle).isEqualTo(parent);
        FakeSlackApi.Call reply = fake.calls("chat.postMessage").get(1);
        assertThat(reply.param("thread_ts")).isEqualTo(SlackMessageRef.parse(parent).ts());
        assertThat(reply.param("text")).isEqualTo(":arrow_up: Escalated to *leads*: its members may decide this call from now on.");
    }

    @Test
    void showsProgressOnTheMessageAndNamesTheApproverInTheThread() {
        String parent = slack.announce(new Announcement(CALL, Announcement.Kind.REQUEST, DBA));

        slack.progress(parent, new Progress(CALL, approve("alice@example.com"), 1));

        FakeSlackApi.Call update = single("chat.update");
        assertThat(update.param("channel")).isEqualTo("C0DBA");
        assertThat(update.param("ts")).isEqualTo(SlackMessageRef.parse(parent).ts());
        assertThat(texts(update.json("blocks"))).contains("*Approvals*\n1 of 2 approvals");
        assertThat(buttons(update.json("blocks"))).as("more approvals are needed").hasSize(2);
        FakeSlackApi.Call reply = fake.calls("chat.postMessage").get(1);
        assertThat(reply.param("thread_ts")).isEqualTo(SlackMessageRef.parse(parent).ts());
        assertThat(reply.param("text")).isEqualTo(":white_check_mark: alice@example.com approved (1 of 2 approvals).");
    }

    @ParameterizedTest
    @EnumSource(Settlement.Outcome.class)
    void settlesTheMessageInPlaceWithoutButtonsForEveryOutcome(Settlement.Outcome outcome) {
        String parent = slack.announce(new Announcement(CALL, Announcement.Kind.REQUEST, DBA));

        slack.settle(parent, settlement(outcome));

        FakeSlackApi.Call update = single("chat.update");
        assertThat(update.param("ts")).isEqualTo(SlackMessageRef.parse(parent).ts());
        assertThat(buttons(update.json("blocks"))).isEmpty();
        assertThat(blockTypes(update.json("blocks"))).doesNotContain("actions");
        String line = switch (outcome) {
            case APPROVED -> ":white_check_mark: *Approved* by alice@example.com, bob@example.com";
            case DENIED -> ":no_entry: *Denied* by bob@example.com: not during the freeze";
            case EXPIRED -> ":hourglass: *Expired*: nobody decided by <!date^" + DEADLINE.getEpochSecond()
                    + "^{date_short_pretty} {time}|2025-03-01T10:30:00Z>";
            case CANCELLED -> ":heavy_multiplication_x: *Cancelled*: the caller withdrew the call";
        };
        assertThat(sectionTexts(update.json("blocks")).getFirst()).startsWith(line + "\n");
        assertThat(update.param("text")).startsWith(line.replaceFirst("^:[a-z_]+: ", "").replace("*", "") + ": agent@example.com asked to");
        FakeSlackApi.Call reply = fake.calls("chat.postMessage").get(1);
        assertThat(reply.param("thread_ts")).isEqualTo(SlackMessageRef.parse(parent).ts());
        assertThat(reply.param("text")).isEqualTo(line);
    }

    @Test
    void refusesAHandleThatIsNotASlackMessage() {
        assertThatThrownBy(() -> slack.settle("nonsense", settlement(Settlement.Outcome.EXPIRED)))
                .hasMessage("not a Slack message handle (<channel>/<ts>): 'nonsense'");
    }

    @Test
    void reportsAServerErrorAsAFailedDelivery() {
        fake.failNext(1, 500, null);

        DeliveryFailedException failure = catchThrowableOfType(DeliveryFailedException.class,
                () -> slack.announce(new Announcement(CALL, Announcement.Kind.REQUEST, DBA)));

        assertThat(failure).hasMessage("channel 'slack': chat.postMessage to C0DBA: Slack answered HTTP 500");
        assertThat(failure.channel()).isEqualTo("slack");
        assertThat(failure.retryAfter()).isEmpty();
    }

    @Test
    void carriesSlacksRetryAfterWhenRateLimited() {
        String parent = slack.announce(new Announcement(CALL, Announcement.Kind.REQUEST, DBA));
        fake.failNext(1, 429, 30);

        DeliveryFailedException failure = catchThrowableOfType(DeliveryFailedException.class,
                () -> slack.settle(parent, settlement(Settlement.Outcome.EXPIRED)));

        assertThat(failure).hasMessage("channel 'slack': chat.update of " + parent
                + ": Slack is rate limiting (HTTP 429); retry after 30 s");
        assertThat(failure.retryAfter()).contains(Duration.ofSeconds(30));
        assertThat(fake.calls("chat.postMessage")).as("no thread reply before the edit took").hasSize(1);
    }

    @Test
    void namesSlacksErrorWhenItRefusesTheCall() {
        fake.refuseNext("channel_not_found");

        assertThatThrownBy(() -> slack.announce(new Announcement(CALL, Announcement.Kind.REQUEST,
                new NotifiedGroup("ghosts", List.of(), "C0NOPE", false))))
                .isInstanceOf(DeliveryFailedException.class)
                .hasMessage("channel 'slack': chat.postMessage to C0NOPE: Slack refused it: channel_not_found");
    }

    @Test
    void reportsAnUnreachableSlackAsAFailedDelivery() {
        String url = fake.methodsUrl();
        fake.close();
        SlackChannel unreachable = new SlackChannel(SlackWebApi.connect("xoxb-test", url),
                new ApprovalLinks(URI.create("https://gatehouse.example.com")));

        assertThatThrownBy(() -> unreachable.announce(new Announcement(CALL, Announcement.Kind.REQUEST, DBA)))
                .isInstanceOf(DeliveryFailedException.class)
                .hasMessageStartingWith("channel 'slack': chat.postMessage to C0DBA: Slack cannot be reached (");
    }

    private FakeSlackApi.Call single(String method) {
        assertThat(fake.calls(method)).hasSize(1);
        return fake.calls(method).getFirst();
    }

    private static Settlement settlement(Settlement.Outcome outcome) {
        List<DecisionSummary> decisions = switch (outcome) {
            case APPROVED -> List.of(approve("alice@example.com"), approve("bob@example.com"));
            case DENIED -> List.of(approve("alice@example.com"), new DecisionSummary("bob@example.com",
                    DecisionSummary.Verdict.DENY, "not during the freeze", "slack", DECIDED));
            case EXPIRED, CANCELLED -> List.of();
        };
        return new Settlement(CALL, outcome, "", decisions, DECIDED);
    }

    private static DecisionSummary approve(String who) {
        return new DecisionSummary(who, DecisionSummary.Verdict.APPROVE, "", "slack", DECIDED);
    }

    /** Every mrkdwn text of the blocks (sections, their fields, context), joined. */
    private static String texts(JsonElement blocks) {
        List<String> texts = new ArrayList<>(sectionTexts(blocks));
        for (JsonElement block : blocks.getAsJsonArray()) {
            JsonObject b = block.getAsJsonObject();
            if (b.has("fields")) {
                b.getAsJsonArray("fields").forEach(f -> texts.add(f.getAsJsonObject().get("text").getAsString()));
            }
            if (b.has("elements") && "context".equals(b.get("type").getAsString())) {
                b.getAsJsonArray("elements").forEach(e -> texts.add(e.getAsJsonObject().get("text").getAsString()));
            }
        }
        return String.join("\n---\n", texts);
    }

    private static List<String> sectionTexts(JsonElement blocks) {
        List<String> texts = new ArrayList<>();
        for (JsonElement block : blocks.getAsJsonArray()) {
            JsonObject b = block.getAsJsonObject();
            if (b.has("text")) {
                texts.add(b.getAsJsonObject("text").get("text").getAsString());
            }
        }
        return texts;
    }

    private static List<String> blockTypes(JsonElement blocks) {
        List<String> types = new ArrayList<>();
        blocks.getAsJsonArray().forEach(b -> types.add(b.getAsJsonObject().get("type").getAsString()));
        return types;
    }

    /** Each button as {@code label:action_id:value:style}. */
    private static List<String> buttons(JsonElement blocks) {
        List<String> buttons = new ArrayList<>();
        for (JsonElement block : blocks.getAsJsonArray()) {
            JsonObject b = block.getAsJsonObject();
            if (!"actions".equals(b.get("type").getAsString())) {
                continue;
            }
            JsonArray elements = b.getAsJsonArray("elements");
            for (JsonElement e : elements) {
                JsonObject button = e.getAsJsonObject();
                buttons.add(button.getAsJsonObject("text").get("text").getAsString() + ":" + button.get("action_id").getAsString()
                        + ":" + button.get("value").getAsString() + ":" + button.get("style").getAsString());
            }
        }
        return buttons;
    }
}
