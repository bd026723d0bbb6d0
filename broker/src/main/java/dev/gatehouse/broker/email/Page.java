package dev.gatehouse.broker.email;

import dev.gatehouse.activities.approval.ApprovalRecord;
import dev.gatehouse.notifier.email.Html;
import io.javalin.http.Context;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * The decision links' HTML pages: complete documents, every value escaped, and headers that keep the
 * link's token out of caches, out of {@code Referer} headers and out of other sites' frames.
 */
final class Page {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'", Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    private static final String STYLE = """
            body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1f2328;background:#f6f8fa;margin:0}
            main{max-width:44rem;margin:2rem auto;background:#fff;border:1px solid #d1d9e0;border-radius:8px;padding:1.5rem 2rem}
            th{text-align:left;vertical-align:top;padding:.2rem 1rem .2rem 0}td{padding:.2rem 0}
            pre{background:#f6f8fa;padding:.5rem;white-space:pre-wrap;word-break:break-all}
            textarea{width:100%;min-height:4rem;font:inherit}
            button{font:inherit;font-weight:600;padding:.5rem 1.5rem;border:0;border-radius:6px;color:#fff;cursor:pointer}
            .approve{background:#1a7f37}.deny{background:#cf222e}.note{color:#59636e}""";

    private Page() {
    }

    static void send(Context ctx, int status, String title, String body) {
        ctx.status(status)
                .header("Cache-Control", "no-store")
                .header("Referrer-Policy", "no-referrer")
                // Only our own inline style; the form may post only back here; no framing (the button must not be clickjacked).
                .header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self';"
                        + " frame-ancestors 'none'; base-uri 'none'")
                .header("X-Frame-Options", "DENY")
                .header("X-Content-Type-Options", "nosniff")
                .header("X-Robots-Tag", "noindex, nofollow")
                .html(document(title, body));
    }

    static String document(String title, String body) {
        return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><meta name=\"robots\" content=\"noindex\">"
                + "<title>" + escape(title) + " · Gatehouse</title><style>" + STYLE + "</style></head>\n"
                + "<body><main>\n<h1>" + escape(title) + "</h1>\n" + body + "</main></body></html>\n";
    }

    static String paragraph(String text) {
        return "<p>" + escape(text) + "</p>\n";
    }

    static String note(String text) {
        return "<p class=\"note\">" + escape(text) + "</p>\n";
    }

    /** The call as approvers are shown it: never its arguments in clear, only the masked preview. */
    static String details(ApprovalRecord approval) {
        long approvals = approval.decisions().stream().filter(d -> d.decision().equals("approve")).count();
        return "<table>\n"
                + row("Requester", approval.requesterDisplay())
                + row("Upstream", approval.upstream())
                + row("Tool", approval.target() + " (" + approval.method() + ")")
                + row("Policy", approval.policy())
                + row("Approvals", approvals + " of " + approval.required() + " so far")
                + row("Deadline", time(approval.deadline()))
                + row("Approver groups", String.join(", ", approval.eligibleGroups()))
                + "</table>\n<h2>Arguments (masked)</h2>\n<pre>" + escape(approval.argsPreview()) + "</pre>\n";
    }

    static String time(Instant instant) {
        return TIME.format(instant);
    }

    static String escape(String value) {
        return Html.escape(value);
    }

    private static String row(String label, String value) {
        return "<tr><th scope=\"row\">" + escape(label) + "</th><td>" + escape(value) + "</td></tr>\n";
    }
}
