package dev.gatehouse.broker.auth;

import dev.gatehouse.activities.websession.WebSession;
import dev.gatehouse.activities.websession.WebSessionStore;
import io.javalin.http.Context;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * People signed in to the web UI, by cookie. The cookie is {@code HttpOnly} (scripts cannot read
 * it), {@code SameSite=Lax} (other sites' forms and fetches go without it, while a link from Slack
 * or an e-mail still arrives signed in) and, outside dev mode, {@code Secure} with the
 * {@code __Host-} prefix (never sent over plain HTTP, never set by a sibling domain). Requests that
 * change anything must also carry the session's CSRF token in a header, which only the UI's own
 * scripts can read. Thread-safe.
 */
public final class WebSessions {

    /** The header the UI sends its CSRF token in on every POST. */
    public static final String CSRF_HEADER = "X-CSRF-Token";

    private final WebSessionStore store;
    private final boolean secure;
    private final Duration lifetime;
    private final String cookieName;

    /** @param secure true outside dev mode: the cookie then never travels over plain HTTP */
    public WebSessions(WebSessionStore store, boolean secure, Duration lifetime) {
        this.store = Objects.requireNonNull(store, "store");
        this.secure = secure;
        this.lifetime = Objects.requireNonNull(lifetime, "lifetime");
        this.cookieName = secure ? "__Host-gatehouse" : "gatehouse_session";
    }

    /** True when cookies must never travel over plain HTTP (everywhere but dev mode). */
    public boolean secure() {
        return secure;
    }

    /** A signed-in person: who they are and the token their changes must carry. */
    public record SignedIn(Caller caller, String csrfToken) {
    }

    /** The person the request's cookie names, if any and still signed in. */
    public Optional<SignedIn> current(Context ctx) {
        String token = ctx.cookie(cookieName);
        if (token == null || token.isBlank()) {
            return Optional.empty();
        }
        return store.find(token).map(s -> new SignedIn(
                new Caller(s.issuer(), s.subject(), s.email(), s.groups(), Map.of()), s.csrfToken()));
    }

    /** True when the request carries the session's CSRF token (compared in constant time). */
    public static boolean hasCsrfToken(Context ctx, SignedIn signedIn) {
        String sent = ctx.header(CSRF_HEADER);
        return sent != null && MessageDigest.isEqual(sent.getBytes(StandardCharsets.UTF_8),
                signedIn.csrfToken().getBytes(StandardCharsets.UTF_8));
    }

    /** Signs {@code caller} in: a new session and its cookie on the response. */
    public void start(Context ctx, Caller caller) {
        Instant expires = Instant.now().plus(lifetime);
        String token = store.create(new WebSession(caller.issuer(), caller.subject(), caller.email(), caller.groups(),
                WebSessionStore.randomToken(), expires));
        setCookie(ctx, token, lifetime.toSeconds());
    }

    /** Signs out: the session is gone on every replica and the cookie is cleared. */
    public void end(Context ctx) {
        String token = ctx.cookie(cookieName);
        if (token != null && !token.isBlank()) {
            store.delete(token);
        }
        setCookie(ctx, "", 0);
    }

    private void setCookie(Context ctx, String value, long maxAgeSeconds) {
        ctx.res().addHeader("Set-Cookie", cookieName + "=" + value + "; Path=/; Max-Age=" + maxAgeSeconds + "; HttpOnly; SameSite=Lax"
                + (secure ? "; Secure" : ""));
    }
}
