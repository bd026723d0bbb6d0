package dev.gatehouse.broker.http;

import dev.gatehouse.notifier.email.Html;
import io.javalin.http.Context;

/**
 * The broker's few server-rendered pages (the dev issuer's sign-in, sign-in failures): a complete
 * document with its own style, that may post forms only back here and is never framed.
 */
public final class HtmlPage {

    private static final String STYLE = """
            body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1f2328;background:#f6f8fa;margin:0}
            main{max-width:40rem;margin:2rem auto;background:#fff;border:1px solid #d1d9e0;border-radius:8px;padding:1.5rem 2rem}
            ul{list-style:none;padding:0}li{margin:.5rem 0}form.user{display:flex;gap:1rem;align-items:center;flex-wrap:wrap}
            button{font:inherit;font-weight:600;padding:.6rem 1.2rem;min-height:44px;border:0;border-radius:6px;color:#fff;
            background:#0969da;cursor:pointer}button:focus-visible,input:focus-visible,a:focus-visible{outline:3px solid #fb8f44;
            outline-offset:2px}.note{color:#59636e}label{display:block;margin:.5rem 0 .2rem}input{font:inherit;padding:.4rem;
            width:100%;box-sizing:border-box}fieldset{border:1px solid #d1d9e0;border-radius:6px;margin-top:1.5rem}""";

    private HtmlPage() {
    }

    /** Sends a page; {@code bodyHtml} must already be escaped where it holds data. */
    public static void send(Context ctx, int status, String title, String bodyHtml) {
        ctx.status(status)
                .header("Cache-Control", "no-store")
                .header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self';"
                        + " frame-ancestors 'none'; base-uri 'none'")
                .header("X-Content-Type-Options", "nosniff")
                .html("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                        + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>" + Html.escape(title)
                        + " · Gatehouse</title><style>" + STYLE + "</style></head>\n<body><main>\n<h1>" + Html.escape(title)
                        + "</h1>\n" + bodyHtml + "</main></body></html>\n");
    }

    /** A paragraph of text, escaped. */
    public static String paragraph(String text) {
        return "<p>" + Html.escape(text) + "</p>\n";
    }
}
