package dev.gatehouse.broker.http;

import dev.gatehouse.broker.dev.DevIssuer;
import dev.gatehouse.broker.dev.DevSignIn;
import dev.gatehouse.notifier.email.Html;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The dev issuer's endpoints; registered only in dev mode, so they do not exist in {@code serve}. */
final class DevIssuerRoutes {

    private DevIssuerRoutes() {
    }

    static void register(RoutesConfig routes, DevIssuer dev, DevSignIn signIn) {
        routes.get("/dev/.well-known/openid-configuration", ctx -> ctx.json(dev.discovery()));
        routes.get("/dev/jwks.json", ctx -> ctx.json(dev.jwks()));
        routes.post("/dev/token", ctx -> token(ctx, dev, signIn));
        routes.get("/dev/authorize", ctx -> picker(ctx, signIn));
        routes.post("/dev/authorize", ctx -> authorize(ctx, signIn));
    }

    private static void token(Context ctx, DevIssuer dev, DevSignIn signIn) {
        if ("authorization_code".equals(ctx.formParam("grant_type"))) {
            try {
                String idToken = signIn.redeem(ctx.formParam("code"), ctx.formParam("client_id"), ctx.formParam("redirect_uri"),
                        ctx.formParam("code_verifier"));
                ctx.header("Cache-Control", "no-store").json(Map.of(
                        "id_token", idToken,
                        "token_type", "Bearer",
                        "expires_in", DevIssuer.TOKEN_LIFETIME.toSeconds()));
            } catch (DevSignIn.Refused refused) {
                ctx.status(400).json(Map.of("error", refused.error(), "error_description", refused.getMessage()));
            }
            return;
        }
        String sub = ctx.formParam("sub");
        if (sub == null || sub.isBlank()) {
            ctx.status(400).json(Map.of("error", "invalid_request", "error_description", "form field sub is required"));
            return;
        }
        String token = dev.issue(sub.trim(), groups(ctx.formParam("groups")), email(ctx.formParam("email")));
        ctx.json(Map.of(
                "access_token", token,
                "token_type", "Bearer",
                "expires_in", DevIssuer.TOKEN_LIFETIME.toSeconds()));
    }

    /** The sign-in page: one button per demo user, and a form for anyone else. */
    private static void picker(Context ctx, DevSignIn signIn) {
        DevSignIn.Request request;
        try {
            request = check(ctx, ctx::queryParam, signIn);
        } catch (DevSignIn.Refused refused) {
            HtmlPage.send(ctx, 400, "Sign-in refused", HtmlPage.paragraph(refused.getMessage()));
            return;
        }
        StringBuilder body = new StringBuilder();
        body.append("<p class=\"note\">This is the dev stack's built-in issuer (").append(Html.escape(signIn.issuerName()))
                .append("). Pick who you are; production signs in with your IdP instead.</p>\n<ul>\n");
        for (DevSignIn.DevUser user : signIn.users()) {
            String shown = user.email().isEmpty() ? user.subject() : user.email();
            body.append("<li><form class=\"user\" method=\"post\" action=\"/dev/authorize\">")
                    .append(hidden(request))
                    .append(field("sub", user.subject())).append(field("email", user.email()))
                    .append(field("groups", String.join(",", user.groups())))
                    .append("<button type=\"submit\" data-user=\"").append(Html.escape(user.subject())).append("\">")
                    .append(Html.escape(shown)).append("</button><span class=\"note\">")
                    .append(Html.escape(user.description())).append("</span></form></li>\n");
        }
        body.append("</ul>\n<form method=\"post\" action=\"/dev/authorize\"><fieldset><legend>Someone else</legend>")
                .append(hidden(request))
                .append("<label for=\"sub\">Subject</label><input id=\"sub\" name=\"sub\" required>")
                .append("<label for=\"email\">E-mail (optional)</label><input id=\"email\" name=\"email\" type=\"email\">")
                .append("<label for=\"groups\">Groups, comma separated (optional)</label><input id=\"groups\" name=\"groups\">")
                .append("<p><button type=\"submit\" id=\"custom-sign-in\">Sign in</button></p></fieldset></form>\n");
        HtmlPage.send(ctx, 200, "Sign in to Gatehouse", body.toString());
    }

    private static void authorize(Context ctx, DevSignIn signIn) {
        try {
            DevSignIn.Request request = check(ctx, ctx::formParam, signIn);
            String code = signIn.grant(request, ctx.formParam("sub"), groups(ctx.formParam("groups")), email(ctx.formParam("email")));
            ctx.status(303).header("Location", request.redirectUri() + "?code=" + encode(code) + "&state=" + encode(request.state()));
        } catch (DevSignIn.Refused refused) {
            HtmlPage.send(ctx, 400, "Sign-in refused", HtmlPage.paragraph(refused.getMessage()));
        }
    }

    private interface Params {
        String get(String name);
    }

    private static DevSignIn.Request check(Context ctx, Params params, DevSignIn signIn) {
        return signIn.check(params.get("response_type"), params.get("client_id"), params.get("redirect_uri"), params.get("state"),
                params.get("code_challenge"), params.get("code_challenge_method"), params.get("nonce"));
    }

    private static String hidden(DevSignIn.Request request) {
        return field("response_type", "code") + field("client_id", request.clientId()) + field("redirect_uri", request.redirectUri())
                + field("state", request.state()) + field("code_challenge", request.codeChallenge())
                + field("code_challenge_method", "S256") + field("nonce", request.nonce());
    }

    private static String field(String name, String value) {
        return "<input type=\"hidden\" name=\"" + name + "\" value=\"" + Html.escape(value) + "\">";
    }

    private static List<String> groups(String field) {
        return Arrays.stream(Optional.ofNullable(field).orElse("").split(",")).map(String::trim).filter(g -> !g.isEmpty()).toList();
    }

    private static Optional<String> email(String field) {
        return Optional.ofNullable(field).map(String::trim).filter(e -> !e.isEmpty());
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
