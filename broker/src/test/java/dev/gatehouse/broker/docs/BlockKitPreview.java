package dev.gatehouse.broker.docs;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Renders the Block Kit blocks Gatehouse posted (sections, fields, context, buttons) as HTML that looks like
 * Slack's message view, for the README's picture. Only what Gatehouse's messages use: mrkdwn bold, code,
 * code blocks, links and Slack date tokens.
 */
final class BlockKitPreview {

    private static final Pattern DATE = Pattern.compile("<!date\\^\\d+\\^[^|>]*\\|([^>]*)>");
    private static final Pattern LINK = Pattern.compile("<(https?://[^|>]+)\\|([^>]*)>");
    private static final Pattern FENCE = Pattern.compile("```(.*?)```", Pattern.DOTALL);
    private static final Pattern CODE = Pattern.compile("`([^`]+)`");
    private static final Pattern BOLD = Pattern.compile("\\*([^*\\n]+)\\*");
    /** Emoji shortcodes: the picture's font has no emoji, so they are left out. */
    private static final Pattern EMOJI = Pattern.compile(":[a-z][a-z0-9_+-]*: ?");

    private BlockKitPreview() {
    }

    static String page(String botName, String time, JsonNode blocks) {
        StringBuilder html = new StringBuilder("""
                <!doctype html><html><head><meta charset="utf-8"><style>
                body{font-family:"DejaVu Sans",Arial,sans-serif;font-size:15px;color:#1d1c1d;background:#fff;margin:0;padding:20px 24px;width:700px}
                .msg{display:flex;gap:10px}.avatar{width:36px;height:36px;border-radius:6px;background:#3f0e40;color:#fff;
                font-weight:bold;display:flex;align-items:center;justify-content:center}.who{font-weight:bold}
                .time{color:#616061;font-size:12px;margin-left:6px}.block{margin:6px 0;line-height:1.45}
                .fields{display:grid;grid-template-columns:1fr 1fr;gap:6px 20px}
                code{background:#f6f6f6;border:1px solid #ddd;border-radius:3px;padding:0 3px;color:#e01e5a;font-size:13px}
                pre{background:#f8f8f8;border:1px solid #ddd;border-radius:4px;padding:8px;font-size:13px;white-space:pre-wrap;margin:4px 0}
                .context{color:#616061;font-size:13px}a{color:#1264a3;text-decoration:none}
                .btn{display:inline-block;border:1px solid #bbb;border-radius:4px;padding:4px 14px;margin-right:8px;font-weight:bold}
                .primary{background:#007a5a;color:#fff;border-color:#007a5a}.danger{color:#e01e5a;border-color:#e01e5a}
                </style></head><body><div class="msg"><div class="avatar">G</div><div>
                """);
        html.append("<div><span class=\"who\">").append(escape(botName)).append("</span><span class=\"time\">")
                .append(escape(time)).append("</span></div>");
        for (JsonNode block : blocks) {
            html.append(block(block));
        }
        return html.append("</div></div></body></html>").toString();
    }

    private static String block(JsonNode block) {
        return switch (block.path("type").asText()) {
            case "section" -> {
                StringBuilder section = new StringBuilder("<div class=\"block\">");
                if (block.has("text")) {
                    section.append(mrkdwn(block.path("text").path("text").asText()));
                }
                if (block.has("fields")) {
                    section.append("<div class=\"fields\">");
                    block.path("fields").forEach(f -> section.append("<div>").append(mrkdwn(f.path("text").asText())).append("</div>"));
                    section.append("</div>");
                }
                yield section.append("</div>").toString();
            }
            case "context" -> {
                StringBuilder context = new StringBuilder("<div class=\"block context\">");
                block.path("elements").forEach(e -> context.append(mrkdwn(e.path("text").asText())).append(" "));
                yield context.append("</div>").toString();
            }
            case "actions" -> {
                StringBuilder actions = new StringBuilder("<div class=\"block\">");
                block.path("elements").forEach(e -> actions.append("<span class=\"btn ").append(e.path("style").asText())
                        .append("\">").append(escape(e.path("text").path("text").asText())).append("</span>"));
                yield actions.append("</div>").toString();
            }
            case "divider" -> "<hr>";
            default -> "";
        };
    }

    /** Slack's mrkdwn (already escaped with &amp; &lt; &gt;, as Slack wants it) to HTML. */
    static String mrkdwn(String text) {
        String html = EMOJI.matcher(text).replaceAll("");
        html = DATE.matcher(html).replaceAll(m -> Matcher.quoteReplacement(m.group(1)));
        html = LINK.matcher(html).replaceAll(m -> Matcher.quoteReplacement("<a href=\"" + m.group(1) + "\">" + m.group(2) + "</a>"));
        html = FENCE.matcher(html).replaceAll(m -> Matcher.quoteReplacement("<pre>" + m.group(1) + "</pre>"));
        html = CODE.matcher(html).replaceAll(m -> Matcher.quoteReplacement("<code>" + m.group(1) + "</code>"));
        html = BOLD.matcher(html).replaceAll(m -> Matcher.quoteReplacement("<b>" + m.group(1) + "</b>"));
        return html.replace("\n", "<br>");
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
