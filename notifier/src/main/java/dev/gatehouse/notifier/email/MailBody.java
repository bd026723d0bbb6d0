package dev.gatehouse.notifier.email;

import java.net.URI;
import java.util.Map;

/**
 * Builds a mail's plain-text and HTML parts side by side, so that both say the same things: every
 * block is written to both. Every value is escaped on the HTML side, here and nowhere else. Not
 * thread-safe; one per mail.
 */
final class MailBody {

    /** A link shown as a button in HTML and as "label: url" in text. */
    record Action(String label, URI url, String colour) {
    }

    private static final String FONT = "font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;";

    private final StringBuilder text = new StringBuilder();
    private final StringBuilder html = new StringBuilder();

    MailBody(String title) {
        html.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>").append(escape(title))
                .append("</title></head>\n<body style=\"").append(FONT).append("color:#1f2328;line-height:1.45\">\n");
    }

    MailBody paragraph(String line) {
        text.append(line).append("\n\n");
        html.append("<p>").append(escape(line)).append("</p>\n");
        return this;
    }

    /** Label and value rows; empty values are left out. */
    MailBody facts(Map<String, String> rows) {
        int width = rows.keySet().stream().mapToInt(String::length).max().orElse(0) + 2;
        html.append("<table role=\"presentation\" style=\"border-collapse:collapse\">\n");
        rows.forEach((label, value) -> {
            if (value == null || value.isEmpty()) {
                return;
            }
            text.append(pad(label + ":", width)).append(value).append('\n');
            html.append("<tr><th scope=\"row\" style=\"text-align:left;vertical-align:top;padding:2px 12px 2px 0\">")
                    .append(escape(label)).append("</th><td style=\"padding:2px 0\">").append(escape(value)).append("</td></tr>\n");
        });
        text.append('\n');
        html.append("</table>\n");
        return this;
    }

    /** Text shown as it is (the masked arguments), under a label. */
    MailBody preformatted(String label, String content) {
        text.append(label).append(":\n").append(content).append("\n\n");
        html.append("<p><strong>").append(escape(label)).append("</strong></p>\n<pre style=\"background:#f6f8fa;padding:8px;")
                .append("white-space:pre-wrap;word-break:break-all\">").append(escape(content)).append("</pre>\n");
        return this;
    }

    MailBody actions(Action... actions) {
        html.append("<p>");
        for (Action action : actions) {
            text.append(action.label()).append(": ").append(action.url()).append('\n');
            html.append("<a href=\"").append(escape(action.url().toString())).append("\" style=\"").append(FONT)
                    .append("display:inline-block;padding:8px 18px;margin:0 8px 8px 0;border-radius:6px;color:#ffffff;")
                    .append("text-decoration:none;font-weight:600;background:").append(action.colour()).append("\">")
                    .append(escape(action.label())).append("</a>");
        }
        text.append('\n');
        html.append("</p>\n");
        return this;
    }

    MailBody link(String label, URI url) {
        text.append(label).append(": ").append(url).append("\n\n");
        html.append("<p><a href=\"").append(escape(url.toString())).append("\">").append(escape(label)).append("</a></p>\n");
        return this;
    }

    /** Small print: what the links do, why this mail came. */
    MailBody note(String line) {
        text.append(line).append("\n\n");
        html.append("<p style=\"color:#59636e;font-size:90%\">").append(escape(line)).append("</p>\n");
        return this;
    }

    String text() {
        return text.toString().stripTrailing() + "\n";
    }

    String html() {
        return html + "</body></html>\n";
    }

    static String escape(String value) {
        return Html.escape(value);
    }

    private static String pad(String label, int width) {
        return label.length() >= width ? label + " " : label + " ".repeat(width - label.length());
    }
}
