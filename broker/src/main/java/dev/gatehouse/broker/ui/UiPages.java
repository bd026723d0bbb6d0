package dev.gatehouse.broker.ui;

import dev.gatehouse.broker.http.RouteGroup;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * The web UI's pages: one document for every view under {@code /ui/} (the UI routes in the
 * browser, so a link from Slack to {@code /ui/approvals/<id>} works as a first page), with a
 * policy that lets it run only its own scripts and styles and never be framed. Its assets are
 * served as static files under {@code /ui/assets/}.
 */
public final class UiPages implements RouteGroup {

    /** Where the ui module puts the assets on the classpath. */
    public static final String ASSETS = "/gatehouse-ui/assets";

    private static final String POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
            + " connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

    /**
     * The UI's views; the browser picks the view from the path. Named one by one so no path can shadow the
     * assets. ("/ui/" serves "/ui" too: Javalin ignores trailing slashes.)
     */
    private static final List<String> VIEWS = List.of("/ui/", "/ui/approvals", "/ui/approvals/{id}", "/ui/sessions",
            "/ui/sessions/{id}", "/ui/overview", "/ui/config");

    private final byte[] shell;

    public UiPages() {
        try (InputStream in = UiPages.class.getResourceAsStream("/gatehouse-ui/index.html")) {
            if (in == null) {
                throw new IllegalStateException("the web UI's index.html is not on the classpath (is the ui module missing?)");
            }
            shell = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the web UI's index.html", e);
        }
    }

    @Override
    public void register(RoutesConfig routes) {
        routes.get("/", ctx -> ctx.redirect("/ui/"));
        for (String view : VIEWS) {
            routes.get(view, this::shell);
        }
    }

    private void shell(Context ctx) {
        ctx.status(200)
                .header("Content-Security-Policy", POLICY)
                .header("X-Content-Type-Options", "nosniff")
                .header("X-Frame-Options", "DENY")
                .header("Referrer-Policy", "same-origin")
                .header("Cache-Control", "no-cache")
                .contentType("text/html; charset=utf-8")
                .result(shell);
    }
}
