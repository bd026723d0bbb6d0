package dev.gatehouse.broker.ui;

import dev.gatehouse.activities.websession.PendingLogin;
import dev.gatehouse.activities.websession.WebSessionStore;
import dev.gatehouse.broker.auth.AuthenticationException;
import dev.gatehouse.broker.auth.Caller;
import dev.gatehouse.broker.auth.IssuerUnavailableException;
import dev.gatehouse.broker.auth.Pkce;
import dev.gatehouse.broker.auth.TokenVerifier;
import dev.gatehouse.broker.auth.WebSessions;
import dev.gatehouse.broker.http.HtmlPage;
import dev.gatehouse.broker.http.RouteGroup;
import dev.gatehouse.notifier.email.Html;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import org.jdbi.v3.core.ConnectionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Signing in to the web UI: OIDC authorization code with PKCE and a nonce (the login's state in
 * PostgreSQL, so the callback may reach any replica), the ID token checked like the issuer's access
 * tokens, then a session cookie; and signing out. Thread-safe.
 */
public final class WebLogin implements RouteGroup {

    private static final Logger log = LoggerFactory.getLogger(WebLogin.class);

    /** Where a sign-in may land: a path in the UI, never another site ({@code //host}, {@code /\host}) or a scheme. */
    private static final Pattern RETURN_TO = Pattern.compile("/ui(/[A-Za-z0-9._~!$&'()*+,;=:@%/?-]*)?");

    private final Optional<Client> client;
    private final String redirectUri;
    private final TokenVerifier tokens;
    private final WebSessionStore logins;
    private final WebSessions sessions;

    /** The OIDC client people sign in with. */
    public record Client(String issuer, String clientId, String clientSecret) {

        public Client {
            Objects.requireNonNull(issuer, "issuer");
            Objects.requireNonNull(clientId, "clientId");
        }
    }

    private final Optional<OidcProvider> provider;

    /**
     * @param client    empty when no sign-in is configured: the pages then say what to configure
     * @param publicUrl the broker's public URL; the IdP redirects back to {@code <publicUrl>/ui/callback}
     */
    public WebLogin(Optional<Client> client, String publicUrl, TokenVerifier tokens, WebSessionStore logins, WebSessions sessions) {
        this.client = client;
        this.redirectUri = publicUrl + "/ui/callback";
        this.tokens = tokens;
        this.logins = logins;
        this.sessions = sessions;
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).followRedirects(HttpClient.Redirect.NEVER).build();
        this.provider = client.map(c -> new OidcProvider(c.issuer(), http));
    }

    /** The redirect URI to register at the IdP. */
    public String redirectUri() {
        return redirectUri;
    }

    @Override
    public void register(RoutesConfig routes) {
        routes.get("/ui/login", guarded(this::login));
        routes.get("/ui/callback", guarded(this::callback));
        routes.post("/ui/logout", guarded(this::logout));
    }

    /** Logins and sign-ins live in PostgreSQL: while it is unreachable, say so rather than fail obscurely. */
    private Handler guarded(Handler handler) {
        return ctx -> {
            try {
                handler.handle(ctx);
            } catch (ConnectionException e) {
                failed(ctx, 503, "the sign-in store (PostgreSQL) cannot be reached; try again shortly");
            }
        };
    }

    private void login(Context ctx) {
        if (client.isEmpty()) {
            HtmlPage.send(ctx, 503, "Sign-in is not configured", HtmlPage.paragraph(
                    "Set ui.login (issuer, clientId and, for a confidential client, clientSecret) in gatehouse.yaml and register "
                            + redirectUri + " as a redirect URI at the IdP. The JSON API accepts bearer tokens meanwhile."));
            return;
        }
        String returnTo = safeReturnTo(ctx.queryParam("returnTo"));
        Pkce pkce = Pkce.create();
        PendingLogin pending = new PendingLogin(WebSessionStore.randomToken(), pkce.verifier(), WebSessionStore.randomToken(), returnTo);
        OidcProvider.Endpoints endpoints;
        try {
            endpoints = provider.orElseThrow().endpoints();
            logins.beginLogin(pending);
        } catch (LoginFailed e) {
            failed(ctx, 503, e.getMessage());
            return;
        }
        setLoginCookie(ctx, pending.state(), WebSessionStore.LOGIN_LIFETIME.toSeconds());
        ctx.header("Cache-Control", "no-store").redirect(endpoints.authorization() + (endpoints.authorization().getRawQuery() == null ? "?" : "&")
                + "response_type=code"
                + "&client_id=" + encode(client.get().clientId())
                + "&redirect_uri=" + encode(redirectUri)
                + "&scope=" + encode("openid email profile")
                + "&state=" + encode(pending.state())
                + "&nonce=" + encode(pending.nonce())
                + "&code_challenge=" + encode(pkce.challenge())
                + "&code_challenge_method=S256");
    }

    private void callback(Context ctx) {
        if (client.isEmpty()) {
            failed(ctx, 503, "sign-in is not configured (ui.login)");
            return;
        }
        String state = ctx.queryParam("state");
        String code = ctx.queryParam("code");
        String started = ctx.cookie(loginCookie());
        if (state == null || started == null || !MessageDigest.isEqual(state.getBytes(StandardCharsets.UTF_8),
                started.getBytes(StandardCharsets.UTF_8))) {
            failed(ctx, 400, "this sign-in did not start in this browser (or its cookie was blocked); start again here");
            return;
        }
        setLoginCookie(ctx, "", 0);
        String error = ctx.queryParam("error");
        if (error != null) {
            // Only the error code: the description is free text anyone could have put in the link.
            logins.takeLogin(state);
            String errorCode = error.replaceAll("[^A-Za-z0-9_.-]", "");
            failed(ctx, 400, "the IdP did not sign you in (" + errorCode.substring(0, Math.min(errorCode.length(), 64)) + ")");
            return;
        }
        Optional<PendingLogin> pending = logins.takeLogin(state);
        if (pending.isEmpty() || code == null || code.isBlank()) {
            failed(ctx, 400, "this sign-in is unknown, was already used or took longer than "
                    + WebSessionStore.LOGIN_LIFETIME.toMinutes() + " minutes");
            return;
        }
        Client c = client.get();
        Caller caller;
        try {
            String idToken = provider.orElseThrow().exchange(code, pending.get().codeVerifier(), redirectUri, c.clientId(), c.clientSecret());
            caller = tokens.verifyIdToken(idToken, c.issuer(), c.clientId(), pending.get().nonce());
        } catch (LoginFailed | IssuerUnavailableException e) {
            failed(ctx, 503, e.getMessage());
            return;
        } catch (AuthenticationException e) {
            failed(ctx, 401, "the ID token was refused: " + e.getMessage());
            return;
        }
        sessions.start(ctx, caller);
        log.info("web UI sign-in: {} (groups {}) from {}", caller.email().orElse(caller.subject()), caller.groups(), caller.issuer());
        ctx.header("Cache-Control", "no-store").status(303).header("Location", pending.get().returnTo());
    }

    private void logout(Context ctx) {
        Optional<WebSessions.SignedIn> signedIn = sessions.current(ctx);
        if (signedIn.isPresent() && !WebSessions.hasCsrfToken(ctx, signedIn.get())) {
            ctx.status(403).json(java.util.Map.of("error", "forbidden",
                    "message", "signing out needs the sign-in's CSRF token in the " + WebSessions.CSRF_HEADER + " header"));
            return;
        }
        sessions.end(ctx);
        ctx.status(204);
    }

    private void failed(Context ctx, int status, String why) {
        log.warn("web UI sign-in failed: {}", why);
        HtmlPage.send(ctx, status, "Sign-in failed", HtmlPage.paragraph(why)
                + "<p><a href=\"/ui/login\">Try again</a> · <a href=\"/ui/\">" + Html.escape("Gatehouse") + "</a></p>\n");
    }

    /**
     * Binds a login to the browser that starts it: a callback URL carried to another browser (login CSRF,
     * signing the victim in as the attacker) finds no matching cookie there. Outside dev mode the
     * {@code __Host-} prefix keeps a sibling domain from planting one.
     */
    private void setLoginCookie(Context ctx, String value, long maxAgeSeconds) {
        ctx.res().addHeader("Set-Cookie", loginCookie() + "=" + value + "; Path=" + (sessions.secure() ? "/" : "/ui/callback")
                + "; Max-Age=" + maxAgeSeconds + "; HttpOnly; SameSite=Lax" + (sessions.secure() ? "; Secure" : ""));
    }

    private String loginCookie() {
        return sessions.secure() ? "__Host-gatehouse-login" : "gatehouse_login";
    }

    static String safeReturnTo(String requested) {
        return requested != null && RETURN_TO.matcher(requested).matches() && !requested.contains("//") ? requested : "/ui/";
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
