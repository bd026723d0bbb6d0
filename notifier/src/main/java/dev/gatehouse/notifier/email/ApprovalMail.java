package dev.gatehouse.notifier.email;

import dev.gatehouse.notifier.Announcement;
import dev.gatehouse.notifier.CallSummary;
import dev.gatehouse.notifier.Settlement;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The texts of the channel's mails: the request to one approver, the outcome to approvers and to the requester. */
final class ApprovalMail {

    private static final String APPROVE = "#1a7f37";
    private static final String DENY = "#cf222e";

    private ApprovalMail() {
    }

    static String requestSubject(CallSummary call) {
        return "Approval needed: " + MailFacts.callName(call);
    }

    /** The request to {@code member}, whose own links {@code approve} and {@code deny} are. */
    static Composed announcement(Announcement announcement, String member, URI approve, URI deny, URI web) {
        CallSummary call = announcement.call();
        String subject = switch (announcement.kind()) {
            case REQUEST -> requestSubject(call);
            case REMINDER -> "Reminder: " + requestSubject(call);
            case ESCALATION -> "Escalated: " + requestSubject(call);
        };
        String why = switch (announcement.kind()) {
            case REQUEST -> "You are asked as a member of the approver group " + announcement.group().name() + ".";
            case REMINDER -> "Still waiting for a decision. You are asked as a member of the approver group "
                    + announcement.group().name() + ".";
            case ESCALATION -> "Nobody decided in time, so this was escalated to the approver group "
                    + announcement.group().name() + ": you may decide it now.";
        };
        MailBody body = new MailBody(subject)
                .paragraph(MailFacts.request(call))
                .paragraph(why)
                .facts(MailFacts.rows(call, announcement.approvals()))
                .preformatted("Arguments (masked)", MailFacts.preview(call))
                .actions(new MailBody.Action("Approve", approve, APPROVE), new MailBody.Action("Deny", deny, DENY))
                .note("Approve and Deny open a page that shows the call again and asks you to confirm; nothing is decided"
                        + " before you do. Both links are yours alone (" + member + "), each works once, and both stop working"
                        + " at the deadline. Do not forward this mail.")
                .link("See it in Gatehouse", web);
        return new Composed(subject, body.text(), body.html());
    }

    /** The follow-up to an approver: how the call they were asked about ended. */
    static Composed outcomeForApprover(Settlement settlement, URI web) {
        CallSummary call = settlement.call();
        String subject = "Re: " + requestSubject(call) + " [" + word(settlement.outcome()) + "]";
        MailBody body = new MailBody(subject)
                .paragraph("The request by " + call.requester() + " to run " + call.target() + " on " + call.upstream() + " "
                        + sentence(settlement.outcome()) + ".");
        outcome(body, settlement, web);
        return new Composed(subject, body.text(), body.html());
    }

    /** The outcome to the requester. */
    static Composed outcomeForRequester(Settlement settlement, URI web) {
        CallSummary call = settlement.call();
        String subject = "Your call " + call.target() + " on " + call.upstream() + " " + sentence(settlement.outcome());
        MailBody body = new MailBody(subject)
                .paragraph("Your call to " + call.target() + " on " + call.upstream() + ", which the policy \"" + call.policy()
                        + "\" held for approval, " + sentence(settlement.outcome()) + ".");
        outcome(body, settlement, web);
        return new Composed(subject, body.text(), body.html());
    }

    private static void outcome(MailBody body, Settlement settlement, URI web) {
        if (!settlement.detail().isEmpty()) {
            body.paragraph(settlement.detail());
        }
        Map<String, String> rows = new LinkedHashMap<>();
        rows.put("Outcome", word(settlement.outcome()));
        rows.put("Decided at", MailFacts.time(settlement.decidedAt()));
        rows.put("Policy", settlement.call().policy());
        body.facts(rows);
        List<String> decisions = MailFacts.decisions(settlement.decisions());
        if (!decisions.isEmpty()) {
            body.preformatted("Decisions", String.join("\n", decisions));
        }
        body.link("See it in Gatehouse", web);
    }

    static String word(Settlement.Outcome outcome) {
        return outcome.name().toLowerCase(Locale.ROOT);
    }

    private static String sentence(Settlement.Outcome outcome) {
        return switch (outcome) {
            case APPROVED -> "was approved";
            case DENIED -> "was denied";
            case EXPIRED -> "expired without a decision";
            case CANCELLED -> "was cancelled by the caller";
        };
    }
}
