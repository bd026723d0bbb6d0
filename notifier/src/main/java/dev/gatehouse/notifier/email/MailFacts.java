package dev.gatehouse.notifier.email;

import dev.gatehouse.notifier.CallSummary;
import dev.gatehouse.notifier.DecisionSummary;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The words for a call that every mail about it uses, so the announcement and the outcome describe it alike. */
final class MailFacts {

    /** A preview is for deciding; a very long one is cut and the web UI shows all of it. */
    static final int PREVIEW_CHARS = 4000;

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'", Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    private MailFacts() {
    }

    /** "delete_customer on crm for agent@example.com": what subjects name. */
    static String callName(CallSummary call) {
        return call.target() + " on " + call.upstream() + " for " + call.requester();
    }

    /** "agent@example.com asks to run delete_customer on crm." */
    static String request(CallSummary call) {
        String what = switch (call.method()) {
            case "resources/read" -> "read the resource " + call.target();
            case "prompts/get" -> "get the prompt " + call.target();
            default -> "run " + call.target();
        };
        return call.requester() + " asks to " + what + " on " + call.upstream() + ".";
    }

    static Map<String, String> rows(CallSummary call, int approvals) {
        Map<String, String> rows = new LinkedHashMap<>();
        rows.put("Requester", call.requester());
        rows.put("Upstream", call.upstream());
        rows.put("Tool", call.target() + " (" + call.method() + ")");
        rows.put("Policy", call.policy());
        rows.put("Why", call.reason());
        rows.put("Approvals", approvals + " of " + call.required() + " so far");
        rows.put("Deadline", time(call.deadline()));
        return rows;
    }

    static String preview(CallSummary call) {
        String preview = call.argsPreview();
        return preview.length() <= PREVIEW_CHARS ? preview : preview.substring(0, PREVIEW_CHARS) + "… (cut; the web UI shows all of it)";
    }

    /** One line per decision: "bob@example.com denied by email at 2025-03-01 10:05:00 UTC: not during the freeze". */
    static List<String> decisions(List<DecisionSummary> decisions) {
        return decisions.stream().map(d -> d.decider() + " " + (d.verdict() == DecisionSummary.Verdict.APPROVE ? "approved" : "denied")
                + " by " + d.channel() + " at " + time(d.at()) + (d.reason().isEmpty() ? "" : ": " + d.reason())).toList();
    }

    static String time(Instant instant) {
        return TIME.format(instant);
    }
}
