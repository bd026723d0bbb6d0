package dev.gatehouse.notifier.slack;

import com.slack.api.model.block.ActionsBlock;
import com.slack.api.model.block.ContextBlock;
import com.slack.api.model.block.LayoutBlock;
import com.slack.api.model.block.SectionBlock;
import com.slack.api.model.block.composition.MarkdownTextObject;
import com.slack.api.model.block.composition.PlainTextObject;
import com.slack.api.model.block.composition.TextObject;
import com.slack.api.model.block.element.BlockElement;
import com.slack.api.model.block.element.ButtonElement;
import dev.gatehouse.notifier.CallSummary;
import dev.gatehouse.notifier.DecisionSummary;
import dev.gatehouse.notifier.Progress;
import dev.gatehouse.notifier.Settlement;

import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The Block Kit messages and thread replies of the Slack channel. Everything a requester or a policy
 * author wrote is escaped, so it can neither mention people nor forge links. Stateless.
 */
final class SlackMessages {

    /** Slack refuses a section text over 3000 characters and a field over 2000. */
    static final int SECTION_MAX = 3000;
    static final int FIELD_MAX = 2000;
    /** Leaves room in the preview's section for its heading, the fences and the note that it was shortened. */
    static final int PREVIEW_MAX = 2700;

    private SlackMessages() {
    }

    /** A text for notifications and screen readers, and the blocks Slack shows. */
    record Message(String text, List<LayoutBlock> blocks) {
        Message {
            blocks = List.copyOf(blocks);
        }
    }

    /** The parent message while the call waits: what is asked, why, by when, and the buttons. */
    static Message waiting(String headline, CallSummary call, int approvals, URI link) {
        List<LayoutBlock> blocks = new ArrayList<>(details(headline, call, approvals, link));
        blocks.add(ActionsBlock.builder().blockId("gatehouse_decision").elements(List.<BlockElement>of(
                button("Approve", SlackChannel.APPROVE_ACTION, call.approvalId(), "primary"),
                button("Deny", SlackChannel.DENY_ACTION, call.approvalId(), "danger"))).build());
        // The fallback text shows in notifications, where Slack reads markup too: escaped like the blocks.
        return new Message("Approval needed: " + escape(call.requester()) + " asks to " + verb(call) + " " + escape(call.target())
                + " on " + escape(call.upstream()) + " (policy '" + escape(call.policy()) + "'; " + approvals + " of "
                + call.required() + " approvals)", blocks);
    }

    /** The parent message once the call has ended: the outcome first, the details, no buttons. */
    static Message settled(Settlement settlement, URI link) {
        CallSummary call = settlement.call();
        int approvals = (int) settlement.decisions().stream().filter(d -> d.verdict() == DecisionSummary.Verdict.APPROVE).count();
        String outcome = outcome(settlement);
        return new Message(plain(outcome) + ": " + escape(call.requester()) + " asked to " + verb(call) + " "
                + escape(call.target()) + " on " + escape(call.upstream()), details(outcome, call, approvals, link));
    }

    static String requestHeadline() {
        return ":lock: *Approval needed*";
    }

    static String reminderHeadline() {
        return ":bell: *Reminder: approval still needed*";
    }

    static String escalationHeadline(String group) {
        return ":arrow_up: *Escalated to " + escape(group) + ": approval needed*";
    }

    static String reminderReply(CallSummary call, int approvals) {
        return ":bell: Reminder: this call still waits for approval (" + count(approvals, call.required())
                + "); it expires " + date(call.deadline()) + ".";
    }

    static String escalationReply(String group) {
        return ":arrow_up: Escalated to *" + escape(group) + "*: its members may decide this call from now on.";
    }

    static String progressReply(Progress progress) {
        DecisionSummary decision = progress.decision();
        return ":white_check_mark: " + escape(decision.decider()) + " approved (" + count(progress.approvals(),
                progress.call().required()) + ").";
    }

    /** The outcome in one line: who approved, who denied and why, or that it expired or was cancelled. */
    static String outcome(Settlement settlement) {
        return switch (settlement.outcome()) {
            case APPROVED -> {
                String by = settlement.decisions().stream().filter(d -> d.verdict() == DecisionSummary.Verdict.APPROVE)
                        .map(d -> escape(d.decider())).collect(Collectors.joining(", "));
                yield ":white_check_mark: *Approved*" + (by.isEmpty() ? detail(settlement) : " by " + by);
            }
            case DENIED -> settlement.decisions().stream().filter(d -> d.verdict() == DecisionSummary.Verdict.DENY).findFirst()
                    .map(d -> ":no_entry: *Denied* by " + escape(d.decider()) + (d.reason().isBlank() ? "" : ": " + escape(d.reason())))
                    .orElse(":no_entry: *Denied*" + detail(settlement));
            case EXPIRED -> ":hourglass: *Expired*: nobody decided by " + date(settlement.call().deadline());
            case CANCELLED -> ":heavy_multiplication_x: *Cancelled*: the caller withdrew the call";
        };
    }

    private static List<LayoutBlock> details(String headline, CallSummary call, int approvals, URI link) {
        List<LayoutBlock> blocks = new ArrayList<>();
        blocks.add(section(clip(headline + "\n*" + escape(call.requester()) + "* asks to " + verb(call) + " `"
                + escape(call.target()) + "` on *" + escape(call.upstream()) + "*", SECTION_MAX)));
        blocks.add(SectionBlock.builder().fields(List.<TextObject>of(
                field("Requester", escape(call.requester())),
                field("Upstream", escape(call.upstream())),
                field(noun(call), "`" + escape(call.target()) + "`"),
                field("Policy", escape(call.policy())),
                field("Approvals", count(approvals, call.required())),
                field("Deadline", date(call.deadline())))).build());
        if (!call.reason().isBlank()) {
            blocks.add(section(clip("*Why the policy asks:* " + escape(call.reason()), SECTION_MAX)));
        }
        blocks.add(section("*Arguments* (masked)\n```" + preview(call.argsPreview()) + "```"));
        blocks.add(ContextBlock.builder().elements(List.of(MarkdownTextObject.builder()
                .text("<" + link + "|Open in Gatehouse> · approval `" + escape(call.approvalId()) + "`").build())).build());
        return blocks;
    }

    /** The masked arguments, shortened to fit a section; the web UI shows all of them. */
    static String preview(String argsPreview) {
        // A fence inside the preview would end the code block early.
        String text = escape(argsPreview).replace("```", "`\u200b``");
        return text.length() <= PREVIEW_MAX ? text : text.substring(0, PREVIEW_MAX) + "\n… (shortened; the web UI shows all)";
    }

    /** A Slack date token: each reader sees the deadline in their own time zone; clients that cannot show it show the ISO form. */
    static String date(Instant at) {
        return "<!date^" + at.getEpochSecond() + "^{date_short_pretty} {time}|" + at + ">";
    }

    /** Slack reads {@code &}, {@code <} and {@code >} as markup (links, mentions): https://api.slack.com/reference/surfaces/formatting#escaping */
    static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    private static String count(int approvals, int required) {
        return approvals + " of " + required + " approval" + (required == 1 ? "" : "s");
    }

    private static String detail(Settlement settlement) {
        return settlement.detail().isBlank() ? "" : ": " + escape(settlement.detail());
    }

    private static String verb(CallSummary call) {
        return switch (call.method()) {
            case "resources/read" -> "read resource";
            case "prompts/get" -> "get prompt";
            default -> "call tool";
        };
    }

    private static String noun(CallSummary call) {
        return switch (call.method()) {
            case "resources/read" -> "Resource";
            case "prompts/get" -> "Prompt";
            default -> "Tool";
        };
    }

    /** The outcome line without its emoji and bold, for the notification text. */
    private static String plain(String outcome) {
        return outcome.replaceFirst("^:[a-z_]+: ", "").replace("*", "");
    }

    private static SectionBlock section(String mrkdwn) {
        return SectionBlock.builder().text(MarkdownTextObject.builder().text(mrkdwn).build()).build();
    }

    private static TextObject field(String label, String value) {
        return MarkdownTextObject.builder().text(clip("*" + label + "*\n" + value, FIELD_MAX)).build();
    }

    private static ButtonElement button(String label, String actionId, String approvalId, String style) {
        return ButtonElement.builder().text(PlainTextObject.builder().text(label).build())
                .actionId(actionId).value(approvalId).style(style).build();
    }

    private static String clip(String text, int max) {
        return text.length() <= max ? text : text.substring(0, max - 1) + "…";
    }
}
